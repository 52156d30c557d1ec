import { describe, expect, it } from 'vitest';
import { fusedBatchNormAvailable } from '../../../src/model/ops/batchNorm';
import { withKernelMode } from '../../../src/model/ops/kernelMode';
import { setWasmSimdEnabled } from '../../../src/model/ops/wasm/simd';
import {
  bruteForce,
  expectClose,
  expectIdentical,
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
import { onBackend } from './onBackend';

/** wasm with SIMD off runs the JS loops on the wasm heap. */
const SETUPS = [
  ['cpu', true],
  ['wasm', true],
  ['wasm', false],
] as const;

describe.each(SETUPS)('fused BatchNorm over rows on %s (SIMD %s)', (backend, simd) => {
  const onSetup = async () => {
    await onBackend(backend);
    setWasmSimdEnabled(simd);
  };
  const restore = () => setWasmSimdEnabled(true);

  it.each(SHAPES.map((s) => [s.join(', '), s] as const))(
    'x [%s]: fused = float64 brute force = reference, outputs and gradients',
    async (_, [rows, cols]) => {
      await onSetup();
      try {
        const c = randomCase(rows, cols, 3);
        const fused = await run(fusedOp, c);
        const reference = await run(referenceOp, c);
        const brute = bruteForce(c);
        // Both round a float64 value once; the sums differ in order only (float64 rounding).
        expectSameResult(fused, brute, 1e-7, 1e-7);
        // The reference's float32 chain: a few ulps on y, float32 sums of ≤ 512 terms on the rest.
        expectSameResult(reference, brute, 2e-6, 1e-5);
      } finally {
        restore();
      }
    },
  );

  it('gradients match central finite differences (odd and even widths)', async () => {
    await onSetup();
    try {
      expect(await finiteDifferenceErrors(fusedOp, randomCase(5, 3, 8))).toBe(0);
      expect(await finiteDifferenceErrors(fusedOp, randomCase(4, 6, 9))).toBe(0);
    } finally {
      restore();
    }
  });

  it('a constant column (variance 0): y = beta and mean = the value exactly, variance 0', async () => {
    await onSetup();
    try {
      const c = randomCase(16, 5, 17);
      const cols = c.cols;
      for (const [j, v] of [
        [0, 2.3],
        [3, -0.1],
      ] as const) {
        for (let r = 0; r < c.rows; r++) c.x[r * cols + j] = v;
      }
      const fused = await run(fusedOp, c);
      for (const [j, v] of [
        [0, 2.3],
        [3, -0.1],
      ] as const) {
        expect(fused.mean[j]).toBe(Math.fround(v));
        expect(fused.variance[j]).toBe(0);
        for (let r = 0; r < c.rows; r++) expect(fused.y[r * cols + j]).toBe(c.beta[j]);
        // x̂ = 0: dgamma = 0, and dx = gamma·rstd·(dy − mean(dy)).
        expect(fused.dgamma[j]).toBe(0);
      }
      // The reference's float32 mean is off by ~1e-7 of the value, which rstd ≈ 316 scales up.
      expectSameResult(fused, await run(referenceOp, c), 1e-3, 1e-3);
      expectSameResult(fused, bruteForce(c), 1e-7, 1e-7);
    } finally {
      restore();
    }
  });

  it('large offsets (~1e4 + spread 1): float64 statistics keep full accuracy', async () => {
    await onSetup();
    try {
      const c = randomCase(512, 9, 23, 1e4, 1);
      const fused = await run(fusedOp, c);
      const brute = bruteForce(c);
      expectSameResult(fused, brute, 1e-7, 1e-6);
      // The reference's float32 sums of 512 values ~1e4 (one sequential chain on wasm) put ~1e-3
      // absolute error into the mean and x − mean: y off by up to 1.4e-2 of its scale (measured on
      // wasm), where the fused op stays within a float32 rounding.
      expectSameResult(await run(referenceOp, c), brute, 5e-2, 5e-2);
    } finally {
      restore();
    }
  });

  it('a NaN in x makes its column NaN (y, mean, variance, dx, dgamma) and leaves the others as they were', async () => {
    await onSetup();
    try {
      const c = randomCase(8, 5, 31);
      const clean = await run(fusedOp, c);
      c.x[3 * 5 + 2] = Number.NaN;
      const fused = await run(fusedOp, c);
      const reference = await run(referenceOp, c);
      for (let i = 0; i < c.x.length; i++) {
        expect(Number.isNaN(fused.y[i])).toBe(i % 5 === 2);
        expect(Number.isNaN(fused.dx[i])).toBe(i % 5 === 2);
        if (i % 5 !== 2) {
          expect(fused.y[i]).toBe(clean.y[i]);
          expect(fused.dx[i]).toBe(clean.dx[i]);
        }
      }
      for (const key of ['mean', 'variance', 'dgamma'] as const) {
        expect([...fused[key]].map(Number.isNaN)).toEqual([false, false, true, false, false]);
      }
      expect(fused.dbeta).toEqual(clean.dbeta);
      // The reference propagates it the same way.
      expectSameResult(fused, reference, 2e-6, 1e-5);
    } finally {
      restore();
    }
  });

  it('N = 1: y = beta, mean = x, variance 0, dx = 0, dgamma = 0, dbeta = dy (as the reference)', async () => {
    await onSetup();
    try {
      const c = randomCase(1, 7, 41);
      const fused = await run(fusedOp, c);
      const reference = await run(referenceOp, c);
      expect(fused.y).toEqual(c.beta);
      expect(fused.mean).toEqual(c.x);
      expect(fused.variance).toEqual(new Float32Array(7));
      expect([...fused.dx].every((v) => v === 0)).toBe(true);
      expect([...fused.dgamma].every((v) => v === 0)).toBe(true);
      expect(fused.dbeta).toEqual(c.dy);
      expectIdentical(
        { ...fused, dx: fused.dx.map(Math.abs), dgamma: fused.dgamma.map(Math.abs) },
        { ...reference, dx: reference.dx.map(Math.abs), dgamma: reference.dgamma.map(Math.abs) },
      );
    } finally {
      restore();
    }
  });

  it('no tensor leaks over repeated forward and gradient calls', async () => {
    await onSetup();
    try {
      expect(await tensorCountDrift()).toBe(0);
    } finally {
      restore();
    }
  });

  it("'fused' runs one kernel forward and one backward; 'reference' runs the plain ops", async () => {
    await onSetup();
    try {
      await withKernelMode('fused', () => expect(fusedBatchNormAvailable()).toBe(true));
      const fused = await kernelsInMode('fused');
      expect(fused.forward).toEqual(['PkmBatchNorm']);
      expect(fused.grad).toEqual(['PkmBatchNorm', 'PkmBatchNormGrad']);
      await withKernelMode('fused', () => expect(fusedBatchNormAvailable()).toBe(false), {
        referenceOps: ['batchNorm'],
      });
      const reference = await kernelsInMode('reference');
      for (const names of [reference.forward, reference.grad]) {
        expect(names.some((n) => n.startsWith('PkmBatchNorm'))).toBe(false);
      }
      expect(reference.forward.length).toBeGreaterThan(6);
      expect(reference.grad.length).toBeGreaterThan(15);
    } finally {
      restore();
    }
  });
});

describe('fused BatchNorm over rows: every path gives the same bits', () => {
  it.each(SHAPES.map((s) => [s.join(', '), s] as const))(
    'x [%s]: cpu = wasm SIMD = wasm loops, bit for bit',
    async (_, [rows, cols]) => {
      const c = randomCase(rows, cols, 51);
      await onBackend('cpu');
      const cpu = await run(fusedOp, c);
      await onBackend('wasm');
      const simd = await run(fusedOp, c);
      setWasmSimdEnabled(false);
      try {
        const loops = await run(fusedOp, c);
        expectIdentical(simd, cpu);
        expectIdentical(loops, cpu);
      } finally {
        setWasmSimdEnabled(true);
      }
      // Not all zero by accident.
      expectClose(cpu.y, bruteForce(c).y, 1e-7, 'y');
    },
  );
});
