import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { fusedSumOfSquaresAvailable } from '../../../src/model/ops/gradNorm';
import { withKernelMode } from '../../../src/model/ops/kernelMode';
import { runOnNodeWebgpu } from '../nodeWebgpu';
import {
  exactSum,
  expectEmpty,
  expectKernels,
  expectNoLeak,
  expectNonFinite,
  expectOverflow,
  runSum,
  tensorList,
} from './gradNormCases';

runOnNodeWebgpu();

describe('fused sum of squares on WebGPU (Dawn in Node)', () => {
  it('runs fused in fused mode', async () => {
    expect(tf.getBackend()).toBe('webgpu');
    expect(await withKernelMode('fused', fusedSumOfSquaresAvailable)).toBe(true);
    expect(await withKernelMode('reference', fusedSumOfSquaresAvailable)).toBe(false);
  });

  // Both sum in float32 in different orders (the fused: per thread, then pairwise in workgroup
  // memory; the reference: tfjs's reductions). Positive terms: each is within ~1e-6 relative of
  // the float64 sum over these sizes; 1e-5 leaves room.
  it.each([
    [1, false],
    [7, false],
    [8, false],
    [13, false],
    [60, false],
    [13, true],
    [60, true],
  ])(
    '%i tensors (one large: %s): one kernel, equal to the reference to float32 rounding',
    async (count, large) => {
      const list = tensorList(count, large);
      const fused = await runSum('fused', list);
      const reference = await runSum('reference', list);
      expectKernels(fused, reference);
      const exact = exactSum(list);
      expect(Math.abs(fused.value - reference.value)).toBeLessThanOrEqual(1e-5 * exact);
      expect(Math.abs(fused.value - exact)).toBeLessThanOrEqual(1e-5 * exact);
    },
    60_000,
  );

  it('a NaN or ±Inf in any tensor gives a non-finite sum', async () => {
    await expectNonFinite(12, 13);
    await expectNonFinite(37, 60);
    await expectOverflow();
  }, 60_000);

  it('an empty list is 0, an empty tensor adds nothing', async () => {
    await expectEmpty();
  });

  it('leaves no tensor behind', async () => {
    await expectNoLeak();
  });
});
