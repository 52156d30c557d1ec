import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { fusedGeluAvailable } from '../../../src/model/ops/gelu';
import { withKernelMode } from '../../../src/model/ops/kernelMode';
import { runOnNodeWebgpu } from '../nodeWebgpu';
import {
  ATOL,
  expectFiniteDifferences,
  expectFusedMatchesReference,
  expectLimits,
  expectMatchesLoops,
  expectNaNPropagates,
  expectNoLeak,
  RTOL,
  sweep,
  uniformValues,
} from './geluCases';

runOnNodeWebgpu();

describe('fused GELU on WebGPU (Dawn in Node)', () => {
  it('runs fused in fused mode', async () => {
    expect(tf.getBackend()).toBe('webgpu');
    expect(await withKernelMode('fused', fusedGeluAvailable)).toBe(true);
    expect(await withKernelMode('reference', fusedGeluAvailable)).toBe(false);
  });

  it('equals the reference (forward and gradient) over a sweep with zero and large |x|', async () => {
    await expectFusedMatchesReference(sweep());
  });

  it('equals the reference on a rank-3 tensor', async () => {
    await expectFusedMatchesReference(uniformValues(4 * 5 * 6, -5, 5, 9), [4, 5, 6]);
  });

  it('gives the limits x and 0 past saturation with finite gradients, ±Inf included', async () => {
    await expectLimits();
  });

  it('propagates NaN', async () => {
    await expectNaNPropagates();
  });

  it('has the gradient of central finite differences', async () => {
    await expectFiniteDifferences();
  });

  // 2049·2048 elements need 65,568 workgroups of 64: tfjs folds the dispatch into 2D, and every
  // element, the last ones included, must still be computed once.
  it('is right on every element of a tensor needing more than 65,535 workgroups', async () => {
    const x = uniformValues(2049 * 2048, -12, 12, 5);
    await expectMatchesLoops(x, RTOL, ATOL);
  }, 60_000);

  it('leaves no tensor behind', async () => {
    await expectNoLeak();
  });
});
