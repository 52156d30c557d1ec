import { describe, expect, it } from 'vitest';
import { withKernelMode } from '../../../src/model/ops/kernelMode';
import { fusedLayerNormAvailable } from '../../../src/model/ops/layerNorm';
import { setWasmSimdEnabled } from '../../../src/model/ops/wasm/simd';
import {
  constantRowsCase,
  constantRowsError,
  expectClose,
  expectSameResult,
  finiteDifferenceErrors,
  fusedOp,
  kernelsInMode,
  randomCase,
  referenceOp,
  run,
  SHAPES,
  tensorCountDrift,
} from './layerNormCases';
import { onBackend } from './onBackend';

describe.each(['cpu', 'wasm'] as const)('fused LayerNorm on %s', (backend) => {
  it.each(SHAPES.map((s) => [s.join(', '), s] as const))(
    'x [%s]: forward and gradients = reference to float32 tolerance',
    async (_, shape) => {
      await onBackend(backend);
      const c = randomCase(shape, 3);
      const fused = await run(fusedOp, c);
      const reference = await run(referenceOp, c);
      expectSameResult(fused, reference);
    },
  );

  it('constant rows (variance 0): y = beta exactly, gradients finite and close to the reference', async () => {
    await onBackend(backend);
    for (const d of [3, 64, 130]) {
      const c = constantRowsCase(d);
      const fused = await run(fusedOp, c);
      const reference = await run(referenceOp, c);
      // float64 row sums make the mean of a constant row exact: x − mean = 0.
      expect(constantRowsError(c, fused.y)).toBe(0);
      // The reference's float32 mean (x/d summed) is off by ~1e-7 of x, which rstd ≈ 316 turns
      // into ~1e-4 of gamma in y and in dgamma's terms; hence 1e-3 here.
      expect(constantRowsError(c, reference.y)).toBeLessThan(1e-3);
      expectSameResult(fused, reference, 1e-3, 1e-3);
    }
  });

  it('gradients match central finite differences of the fused forward (rank 2 and 3)', async () => {
    await onBackend(backend);
    expect(await finiteDifferenceErrors(randomCase([3, 6], 8))).toBe(0);
    expect(await finiteDifferenceErrors(randomCase([2, 2, 5], 9))).toBe(0);
    // d a multiple of 4: wasm's SIMD kernels.
    expect(await finiteDifferenceErrors(randomCase([3, 8], 10))).toBe(0);
  });

  it('cpu and wasm agree to the last bit where wasm runs the float64 loops (d not a multiple of 4)', async () => {
    const c = randomCase([4, 2, 33], 11);
    await onBackend('cpu');
    const cpu = await run(fusedOp, c);
    await onBackend('wasm');
    const wasm = await run(fusedOp, c);
    for (const key of ['y', 'dx', 'dgamma', 'dbeta'] as const) expectClose(wasm[key], cpu[key], 0, key);
  });

  it('no tensor leaks over repeated forward and gradient calls', async () => {
    await onBackend(backend);
    expect(await tensorCountDrift()).toBe(0);
  });

  it("'fused' runs one kernel forward and one backward; 'reference' runs the plain ops", async () => {
    await onBackend(backend);
    await withKernelMode('fused', () => expect(fusedLayerNormAvailable()).toBe(true));
    const fused = await kernelsInMode('fused');
    expect(fused.forward).toEqual(['PkmLayerNorm']);
    expect(fused.grad).toEqual(['PkmLayerNorm', 'PkmLayerNormGrad']);
    await withKernelMode('fused', () => expect(fusedLayerNormAvailable()).toBe(false), {
      referenceOps: ['layerNorm'],
    });
    const reference = await kernelsInMode('reference');
    for (const names of [reference.forward, reference.grad]) {
      expect(names.some((n) => n.startsWith('PkmLayerNorm'))).toBe(false);
    }
    // The reference keeps layers.ts' op sequence: tf.moments, then (x − mean)·rsqrt(var + eps)·gamma + beta.
    expect(reference.forward).toEqual([
      ...['Mean', 'Cast', 'Sub', 'Square', 'Mean'],
      ...['Sub', 'Add', 'Rsqrt', 'Multiply', 'Multiply', 'Add'],
    ]);
    expect(reference.grad.length).toBeGreaterThan(15);
  });
});

describe('fused LayerNorm on wasm: SIMD kernels and float64 loops', () => {
  it.each([
    [7, 64],
    [3, 4],
    [2, 128],
  ])(
    'x [%i, %i]: SIMD = the loops to float32 tolerance, and not bit for bit by accident',
    async (rows, d) => {
      await onBackend('wasm');
      const c = randomCase([rows, d], 21);
      const simd = await run(fusedOp, c);
      setWasmSimdEnabled(false);
      try {
        const loops = await run(fusedOp, c);
        expectSameResult(simd, loops, 1e-6, 1e-5);
        expect([...simd.y, ...simd.dx].some((v, i) => v !== [...loops.y, ...loops.dx][i])).toBe(true);
      } finally {
        setWasmSimdEnabled(true);
      }
    },
  );
});
