import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { embedOneHot, matMulT } from '../../../src/model/layers';
import { withKernelMode } from '../../../src/model/ops/kernelMode';
import { fusedSwapLastAvailable } from '../../../src/model/ops/swapLast';
import { SWAP_LAST } from '../../../src/model/ops/swapLastKernels';
import type { WasmBackendLike } from '../../../src/model/ops/wasm/heap';
import { setWasmSimdEnabled, wasmSimd } from '../../../src/model/ops/wasm/simd';
import { kernelsOf } from './layerNormCases';
import { onBackend } from './onBackend';
import {
  bits,
  distinctValues,
  expectInt32,
  expectKernelMatchesReference,
  expectNoLeak,
  expectRouting,
  expectSameBits,
  expectSpecialsPropagate,
  SHAPES,
  swapKernel,
} from './swapLastCases';

const RUNS = [
  { name: 'cpu', backend: 'cpu', simd: true },
  { name: 'wasm (SIMD)', backend: 'wasm', simd: true },
  { name: 'wasm (JS loops, SIMD off)', backend: 'wasm', simd: false },
];

describe.each(RUNS)('swap of the last two axes on $name', ({ backend, simd }) => {
  beforeEach(async () => {
    await onBackend(backend);
    setWasmSimdEnabled(simd);
  });
  afterEach(() => setWasmSimdEnabled(true));

  it('swapLastAxes runs the kernel in fused mode (not on wasm without SIMD), else tf.transpose', async () => {
    const fused = backend === 'cpu' || simd;
    if (backend === 'wasm') expect(wasmSimd(tf.backend() as unknown as WasmBackendLike) !== null).toBe(simd);
    expect(await withKernelMode('fused', fusedSwapLastAvailable)).toBe(fused);
    await expectRouting(fused);
  });

  it.each(SHAPES.map((s) => [s.join(' × '), s] as const))(
    '%s: forward and gradient = tf.transpose bit for bit, one kernel each way',
    async (_, shape) => {
      await expectKernelMatchesReference(shape);
    },
  );

  it('moves int32 tensors as well', async () => {
    for (const shape of [
      [5, 3],
      [2, 9, 6],
      [1, 5],
    ])
      await expectInt32(shape);
  });

  it('carries NaN (with its payload), ±Inf and −0 to their places', async () => {
    await expectSpecialsPropagate();
  });

  it('an empty tensor gives an empty one', async () => {
    const x = tf.zeros([2, 0, 3]);
    const y = swapKernel(x);
    expect(y.shape).toEqual([2, 3, 0]);
    expect(await y.data()).toHaveLength(0);
    tf.dispose([x, y]);
  });

  it('leaves no tensor behind', async () => {
    await expectNoLeak();
  });
});

describe('swap of the last two axes on wasm: nothing written outside the output', () => {
  afterEach(() => setWasmSimdEnabled(true));

  it.each([true, false])('SIMD %s: odd shapes into freed blocks between filled tensors', async (simd) => {
    await onBackend('wasm');
    setWasmSimdEnabled(simd);
    const b = tf.backend() as unknown as WasmBackendLike;
    const offset = (t: tf.Tensor) => b.dataIdMap.get(t.dataId)!.memoryOffset;
    for (const shape of [
      [5, 3],
      [7, 1],
      [513, 67],
      [3, 13, 6],
    ]) {
      const n = shape.reduce((a, c) => a * c, 1);
      // A freed block of the output's size between two filled tensors: the allocator hands it to
      // the output, so a write past its end lands in the fence after it.
      const fenceBefore = tf.fill([64], 7);
      const hole = tf.zeros([n]);
      const fenceAfter = tf.fill([64], 7);
      const holeAt = offset(hole);
      const x = tf.tensor(distinctValues(n, 5), shape);
      hole.dispose();
      const y = swapKernel(x);
      expect(offset(y)).toBe(holeAt);
      for (const f of [fenceBefore, fenceAfter])
        expect([...(await f.data())].every((v) => v === 7)).toBe(true);
      const xs = (await x.data()) as Float32Array;
      expectSameBits(xs, distinctValues(n, 5), `input ${shape} untouched`);
      // Every output word is an input word, each once.
      const ys = bits((await y.data()) as Float32Array);
      expect([...ys].sort()).toEqual([...bits(xs)].sort());
      tf.dispose([fenceBefore, fenceAfter, x, y]);
    }
  });
});

/** The gradients of Σ f(a, b)·dy for a [m, k] and b [k, n], and the kernels they ran. */
async function layerGrads(
  f: (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor2D,
  a: tf.Tensor2D,
  b: tf.Tensor2D,
  dy: tf.Tensor2D,
): Promise<{ grads: Float32Array[]; kernels: string[] }> {
  // embedOneHot's one-hot is a constant it closes over: only its table has a gradient.
  const grads = () =>
    f === embedOneHot
      ? [tf.grad((y) => f(a, y as tf.Tensor2D))(b, dy)]
      : tf.grads((x, y) => f(x as tf.Tensor2D, y as tf.Tensor2D))([a, b], dy);
  const kernels = kernelsOf(grads);
  const values = tf.tidy(grads);
  const out = (await Promise.all(values.map((t) => t.data()))) as Float32Array[];
  tf.dispose(values);
  return { grads: out, kernels };
}

describe.each(['cpu', 'wasm'])("the model's matMul gradients on %s", (backend) => {
  beforeEach(() => onBackend(backend));

  it('matMulT (dx = dy·Wᵀ, dW = xᵀ·dy) and embedOneHot swap through the kernel, the same bits as tf.transpose', async () => {
    const a = tf.tensor2d(distinctValues(9 * 6, 1), [9, 6]);
    const b = tf.tensor2d(distinctValues(6 * 5, 2), [6, 5]);
    const dy = tf.tensor2d(distinctValues(9 * 5, 3), [9, 5]);
    const oneHot = tf.oneHot(tf.tensor1d([3, 0, 5, 5, 1, 2, 0, 4, 3], 'int32'), 6).toFloat() as tf.Tensor2D;
    for (const [f, x] of [
      [matMulT, a],
      [embedOneHot, oneHot],
    ] as const) {
      const fused = await withKernelMode('fused', () => layerGrads(f, x, b, dy));
      const kept = await withKernelMode('fused', () => layerGrads(f, x, b, dy), {
        referenceOps: ['swapLast'],
      });
      const swaps = f === matMulT ? 2 : 1;
      expect(fused.kernels.filter((k) => k === SWAP_LAST)).toHaveLength(swaps);
      expect(fused.kernels).not.toContain('Transpose');
      expect(kept.kernels.filter((k) => k === 'Transpose')).toHaveLength(swaps);
      expect(kept.kernels).not.toContain(SWAP_LAST);
      expect(fused.grads).toHaveLength(f === matMulT ? 2 : 1);
      fused.grads.forEach((g, i) => {
        expectSameBits(g, kept.grads[i], `gradient ${i}`);
      });
      expect(fused.grads.at(-1)!.some((v) => v !== 0)).toBe(true);
      if (f === embedOneHot) expect(fused.kernels).not.toContain('ZerosLike');
    }
    tf.dispose([a, b, dy, oneHot]);
  });
});
