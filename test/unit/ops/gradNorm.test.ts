import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fusedSumOfSquaresAvailable } from '../../../src/model/ops/gradNorm';
import { withKernelMode } from '../../../src/model/ops/kernelMode';
import { setWasmSimdEnabled } from '../../../src/model/ops/wasm/simd';
import {
  exactSum,
  expectEmpty,
  expectKernels,
  expectNoLeak,
  expectNonFinite,
  expectOverflow,
  runSum,
  sumOfSquaresReference,
  tensorList,
} from './gradNormCases';
import { onBackend } from './onBackend';

// wasm runs the compiled kernel (assembly/sumSquares.ts); 'wasm, JS loop' the fallback where
// WebAssembly SIMD is missing, which keeps the reference's bits.
describe.each(['cpu', 'wasm', 'wasm, JS loop'])('fused sum of squares on %s', (target) => {
  beforeEach(async () => {
    await onBackend(target.split(',')[0]);
    setWasmSimdEnabled(!target.includes('JS'));
  });
  afterEach(() => setWasmSimdEnabled(true));

  it('runs fused in fused mode only, and not where the op is kept on its reference', async () => {
    expect(await withKernelMode('fused', fusedSumOfSquaresAvailable)).toBe(true);
    expect(await withKernelMode('reference', fusedSumOfSquaresAvailable)).toBe(false);
    expect(await withKernelMode('fused', fusedSumOfSquaresAvailable, { referenceOps: ['gradNorm'] })).toBe(
      false,
    );
  });

  // cpu and wasm without SIMD sum in the reference's order with the backend's own Sum precision
  // (float64 on cpu, float32 on wasm): the same float32 value. wasm's SIMD kernel sums exact
  // squares in float64 lanes: not the reference's bits, but as close to the float64 sum or closer.
  it.each([
    [1, false],
    [7, false],
    [13, false],
    [60, false],
    [13, true],
  ])(
    '%i tensors (one large: %s): one kernel, the reference bit for bit or nearer the exact sum',
    async (count, large) => {
      const list = tensorList(count, large);
      const fused = await runSum('fused', list);
      const reference = await runSum('reference', list);
      expectKernels(fused, reference);
      const exact = exactSum(list);
      if (target !== 'wasm') expect(fused.value).toBe(reference.value);
      else {
        // Rounded once from float64: within half a float32 ulp of the exact sum (2^-24 relative).
        expect(Math.abs(fused.value - exact)).toBeLessThanOrEqual(2 ** -24 * exact);
        expect(Math.abs(fused.value - exact)).toBeLessThanOrEqual(Math.abs(reference.value - exact));
        // The float32 chain over a million terms is off by more than that: the test tells them apart.
        if (large) expect(fused.value).not.toBe(reference.value);
      }
      // And close to the float64 sum (float32 accumulation over ~1e6 terms on wasm: 1e-4).
      expect(Math.abs(fused.value - exact)).toBeLessThan(1e-4 * exact);
    },
  );

  it("in 'reference' mode runs the reference's ops bit for bit", async () => {
    const list = tensorList(13);
    const viaOp = await runSum('reference', list);
    const direct = await runSum('fused', list, sumOfSquaresReference);
    expect(viaOp.kernels).toEqual(direct.kernels);
    expect(viaOp.value).toBe(direct.value);
  });

  it('a NaN or ±Inf in any tensor gives a non-finite sum', async () => {
    await expectNonFinite(12, 13);
    await expectNonFinite(37, 60);
    await expectOverflow();
  });

  it('an empty list is 0, an empty tensor adds nothing', async () => {
    await expectEmpty();
  });

  it('leaves no tensor behind', async () => {
    await expectNoLeak();
  });
});
