import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { withKernelMode } from '../../../src/model/ops/kernelMode';
import { fusedSwapLastAvailable } from '../../../src/model/ops/swapLast';
import { runOnNodeWebgpu } from '../nodeWebgpu';
import {
  bits,
  bruteSwap,
  distinctValues,
  expectKernelMatchesReference,
  expectNoLeak,
  expectRouting,
  expectSameBits,
  expectSpecialsPropagate,
  SHAPES,
  swapKernel,
} from './swapLastCases';

runOnNodeWebgpu();

describe('swap of the last two axes on WebGPU (Dawn in Node)', () => {
  it('swapLastAxes runs the kernel in fused mode, else tf.transpose', async () => {
    expect(tf.getBackend()).toBe('webgpu');
    expect(await withKernelMode('fused', fusedSwapLastAvailable)).toBe(true);
    await expectRouting(true);
  });

  it.each(SHAPES.map((s) => [s.join(' × '), s] as const))(
    '%s: forward and gradient = tf.transpose bit for bit, one kernel each way',
    async (_, shape) => {
      await expectKernelMatchesReference(shape);
    },
  );

  it('moves int32 tensors as well, every word exact', async () => {
    // Against the element-by-element swap: tfjs-webgpu's own Transpose of an int32 tensor fails to
    // compile its shader on this tfjs version (an i32 value passed where it expects f32).
    for (const [shape, values] of [
      [[2, 9, 6], Int32Array.from({ length: 108 }, (_, i) => i * 7919 - 3)],
      [[5, 3], Int32Array.from({ length: 15 }, (_, i) => (i % 5 === 0 ? -(2 ** 31) + i : 2 ** 31 - 1 - i))],
    ] as const) {
      const y = swapKernel(tf.tensor(values, [...shape], 'int32'));
      expect(y.dtype).toBe('int32');
      expectSameBits((await y.data()) as Int32Array, bruteSwap(values, [...shape]), `int32 ${shape}`);
      y.dispose();
    }
  });

  it('a float32 tensor whose buffer tfjs-webgpu keeps as int32 (a cast one-hot, as the embedding has)', async () => {
    const ids = tf.tensor1d([3, 0, 5, 5, 1, 2, 0, 4, 3], 'int32');
    const oneHot = tf.oneHot(ids, 6).toFloat();
    const y = swapKernel(oneHot);
    expect(y.dtype).toBe('float32');
    // Read back as numbers (tfjs may hand the int32 buffer's values back as an Int32Array).
    const want = bruteSwap(Float32Array.from(await oneHot.data()), [9, 6]);
    expectSameBits((await y.data()) as Float32Array, want, 'one-hot');
    expect(want.filter((v) => v === 1)).toHaveLength(9);
    tf.dispose([ids, oneHot, y]);
  });

  it('carries NaN (with its payload), ±Inf and −0 to their places', async () => {
    await expectSpecialsPropagate();
  });

  // 4,100 × 1,025 elements need 65,669 workgroups of 64: tfjs folds the dispatch into 2D, and
  // every element, the last ones included, must still land once.
  it('is right on every element of a tensor needing more than 65,535 workgroups', async () => {
    const shape = [4100, 1025];
    const x = distinctValues(4100 * 1025, 5);
    const y = swapKernel(tf.tensor(x, shape));
    const got = (await y.data()) as Float32Array;
    tf.dispose(y);
    const want = bruteSwap(x, shape);
    expect(bits(got).every((v, i) => v === bits(want)[i])).toBe(true);
    expectSameBits(got.subarray(-7), want.subarray(-7), 'last elements');
  });

  it('leaves no tensor behind', async () => {
    await expectNoLeak();
  });
});
