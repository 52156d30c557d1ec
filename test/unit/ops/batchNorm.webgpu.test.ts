import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { fusedBatchNormAvailable } from '../../../src/model/ops/batchNorm';
import { withKernelMode } from '../../../src/model/ops/kernelMode';
import { runOnNodeWebgpu } from '../nodeWebgpu';
import {
  bruteForce,
  expectSameResult,
  finiteDifferenceErrors,
  fusedOp,
  kernelsInMode,
  randomCase,
  referenceOp,
  run,
  SHAPES,
  tensorCountDrift,
} from './batchNormCases';

runOnNodeWebgpu();

describe('fused BatchNorm over rows on WebGPU (Dawn in Node), float32', () => {
  it.each(SHAPES.map((s) => [s.join(', '), s] as const))(
    'x [%s]: fused and reference both within float32 rounding of the float64 brute force',
    async (_, [rows, cols]) => {
      expect(tf.getBackend()).toBe('webgpu');
      const c = randomCase(rows, cols, 3);
      const brute = bruteForce(c);
      // Float32 sums of ≤ 512 terms in order: the same bounds the reference meets on wasm.
      expectSameResult(await run(fusedOp, c), brute, 2e-6, 1e-5);
      expectSameResult(await run(referenceOp, c), brute, 2e-6, 1e-5);
    },
  );

  it('gradients match central finite differences (odd and even widths)', async () => {
    expect(await finiteDifferenceErrors(fusedOp, randomCase(5, 3, 8))).toBe(0);
    expect(await finiteDifferenceErrors(fusedOp, randomCase(4, 6, 9))).toBe(0);
  });

  it('a NaN in x makes its column NaN and leaves the others finite', async () => {
    const c = randomCase(8, 5, 31);
    c.x[3 * 5 + 2] = Number.NaN;
    const fused = await run(fusedOp, c);
    for (let i = 0; i < c.x.length; i++) {
      expect(Number.isNaN(fused.y[i])).toBe(i % 5 === 2);
      expect(Number.isNaN(fused.dx[i])).toBe(i % 5 === 2);
    }
    for (const key of ['mean', 'variance', 'dgamma'] as const) {
      expect([...fused[key]].map(Number.isNaN)).toEqual([false, false, true, false, false]);
    }
    expect(fused.dbeta.every(Number.isFinite)).toBe(true);
  });

  it('N = 1: y = beta, mean = x, variance 0, dx = 0, dgamma = 0, dbeta = dy', async () => {
    const c = randomCase(1, 7, 41);
    const fused = await run(fusedOp, c);
    expect(fused.y).toEqual(c.beta);
    expect(fused.mean).toEqual(c.x);
    expect(fused.variance).toEqual(new Float32Array(7));
    expect([...fused.dx].every((v) => v === 0)).toBe(true);
    expect([...fused.dgamma].every((v) => v === 0)).toBe(true);
    expect(fused.dbeta).toEqual(c.dy);
  });

  it("'fused' runs one kernel forward and one backward; 'reference' runs the plain ops", async () => {
    await withKernelMode('fused', () => expect(fusedBatchNormAvailable()).toBe(true));
    const fused = await kernelsInMode('fused');
    expect(fused.forward).toEqual(['PkmBatchNorm']);
    expect(fused.grad).toEqual(['PkmBatchNorm', 'PkmBatchNormGrad']);
    const reference = await kernelsInMode('reference');
    expect(reference.grad.some((n) => n.startsWith('PkmBatchNorm'))).toBe(false);
  });

  it('no tensor leaks over repeated forward and gradient calls', async () => {
    expect(await tensorCountDrift()).toBe(0);
  });
});
