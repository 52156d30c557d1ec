import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  fusedCrossEntropyAvailable,
  meanCrossEntropy,
  meanCrossEntropyReference,
} from '../../../src/model/ops/crossEntropy';
import { withKernelMode } from '../../../src/model/ops/kernelMode';
import type { WasmBackendLike } from '../../../src/model/ops/wasm/heap';
import { setWasmSimdEnabled, wasmSimd } from '../../../src/model/ops/wasm/simd';
import {
  bruteForce,
  CPU_TOLERANCE,
  expectFusedMatches,
  expectKernelCounts,
  expectNonFiniteLoss,
  expectOutOfRangeLikeReference,
  expectSameResult,
  finiteDifferenceErrors,
  fusedOp,
  largeLogitsCase,
  randomCase,
  run,
  tensorCountDrift,
} from './crossEntropyCases';
import { onBackend } from './onBackend';

/** cpu, wasm with its SIMD kernels, and wasm's JS loops (SIMD switched off). */
const PATHS = [
  ['cpu', true],
  ['wasm', true],
  ['wasm', false],
] as const;

afterEach(() => setWasmSimdEnabled(true));

async function on(backend: string, simd: boolean): Promise<void> {
  await onBackend(backend);
  setWasmSimdEnabled(simd);
}

describe.each(PATHS)('fused cross-entropy on %s (SIMD %s)', (backend, simd) => {
  it.each([
    [1, 2],
    [3, 5],
    [17, 256],
    [64, 259],
  ])('N = %i, V = %i: loss and gradient = reference = float64 brute force', async (rows, cols) => {
    await on(backend, simd);
    await expectFusedMatches(randomCase(rows, cols, rows + cols), CPU_TOLERANCE);
  });

  it('stays exact at logits of ±80 and ±1e4 (the row max is subtracted)', async () => {
    await on(backend, simd);
    await expectFusedMatches(largeLogitsCase(), CPU_TOLERANCE);
  });

  it('targets outside 0..V−1 select nothing, as the reference: the row adds 0 and gets a zero gradient', async () => {
    await on(backend, simd);
    await expectOutOfRangeLikeReference(CPU_TOLERANCE);
  });

  it('a NaN or ±Inf logit makes the loss non-finite', async () => {
    await on(backend, simd);
    await expectNonFiniteLoss();
  });

  it('the gradient matches central finite differences of the fused loss', async () => {
    await on(backend, simd);
    expect(await finiteDifferenceErrors(randomCase(3, 7, 8, 2))).toBe(0);
    expect(await finiteDifferenceErrors(randomCase(2, 10, 9, 2))).toBe(0);
  });

  it('no tensor leaks over repeated forward and gradient calls', async () => {
    await on(backend, simd);
    expect(await tensorCountDrift()).toBe(0);
  });

  it("'fused' runs one kernel forward and one backward; 'reference' runs the plain ops", async () => {
    await on(backend, simd);
    expect(await withKernelMode('fused', fusedCrossEntropyAvailable)).toBe(true);
    expect(await withKernelMode('reference', fusedCrossEntropyAvailable)).toBe(false);
    const kept = await withKernelMode('fused', fusedCrossEntropyAvailable, {
      referenceOps: ['crossEntropy'],
    });
    expect(kept).toBe(false);
    await expectKernelCounts();
  });

  it("in 'reference' mode meanCrossEntropy is the reference's ops, bit for bit", async () => {
    await on(backend, simd);
    const c = randomCase(9, 31, 3);
    const viaOp = await withKernelMode('reference', () => run(meanCrossEntropy, c));
    const direct = await run(meanCrossEntropyReference, c);
    expect(viaOp).toEqual(direct);
  });
});

describe('fused cross-entropy on wasm: SIMD kernels and JS loops', () => {
  it('wasm without SIMD runs the cpu loops: = cpu to the last bit', async () => {
    const c = randomCase(33, 70, 12);
    await on('cpu', true);
    const cpu = await run(fusedOp, c);
    await on('wasm', false);
    expect(await run(fusedOp, c)).toEqual(cpu);
  });

  it('the SIMD kernels (float32 polynomial exp) = the float64 loops to ~1 ulp, V a multiple of 4 or not', async () => {
    for (const [rows, cols] of [
      [512, 256],
      [40, 7],
      [9, 3],
    ]) {
      const c = randomCase(rows, cols, cols, 6);
      await on('wasm', false);
      const loops = await run(fusedOp, c);
      setWasmSimdEnabled(true);
      expect(wasmSimd(tf.backend() as unknown as WasmBackendLike)).not.toBeNull();
      const simd = await run(fusedOp, c);
      // Loss within 2e−7 relative, gradient within 2e−7 of dy/N: tighter than against the reference.
      expectSameResult(simd, loops, c, { loss: 2e-7, grad: 2e-7 }, `${rows}×${cols} SIMD vs loops`);
      // The SIMD path did run: its exp differs from Math.exp somewhere.
      if (rows * cols > 1000) expect(simd.grad.some((v, i) => v !== loops.grad[i])).toBe(true);
      expectSameResult(simd, bruteForce(c), c, CPU_TOLERANCE, 'SIMD vs float64');
    }
  });
});
