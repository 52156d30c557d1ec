import { describe, expect, it } from 'vitest';
import { fusedAttentionAvailable } from '../../../src/model/ops/attention';
import { withKernelMode } from '../../../src/model/ops/kernelMode';
import { simdAttentionAvailable } from '../../../src/model/ops/wasm/attention';
import { setWasmSimdEnabled } from '../../../src/model/ops/wasm/simd';
import {
  expectFusedKernels,
  expectSameResult,
  finiteDifferenceErrors,
  fusedOp,
  kernelsInMode,
  randomCase,
  referenceOp,
  run,
  SIZES,
  tensorCountDrift,
} from './attentionCases';
import { expectClose } from './layerNormCases';
import { onBackend } from './onBackend';

describe.each(['cpu', 'wasm'] as const)('fused attention core on %s', (backend) => {
  it.each(SIZES.map((s) => [s.join(', '), s] as const))(
    'B, T, H, dh = %s: forward and dqkv = reference to float32 tolerance',
    async (_, sizes) => {
      await onBackend(backend);
      const c = randomCase(sizes, 3);
      expectSameResult(await run(fusedOp, c), await run(referenceOp, c));
    },
  );

  it.each([
    ['2, 7, 3, 5', [2, 7, 3, 5]],
    ['2, 6, 2, 8', [2, 6, 2, 8]],
  ] as const)(
    'B, T, H, dh = %s: dqkv matches central finite differences of the fused forward',
    async (_, sizes) => {
      await onBackend(backend);
      expect(await finiteDifferenceErrors(randomCase([...sizes], 8), 24)).toBe(0);
    },
  );

  it('wasm without SIMD (dh not a multiple of 4) runs the float64 loops: = cpu to the last bit', async () => {
    const c = randomCase([2, 7, 3, 5], 11);
    await onBackend('cpu');
    const cpu = await run(fusedOp, c);
    await onBackend('wasm');
    const wasm = await run(fusedOp, c);
    expectClose(wasm.y, cpu.y, 0, 'y');
    expectClose(wasm.dqkv, cpu.dqkv, 0, 'dqkv');
  });

  it('no tensor leaks over repeated forward and gradient calls (fused and reference)', async () => {
    await onBackend(backend);
    expect(await tensorCountDrift()).toBe(0);
  });

  it("'fused' runs one kernel forward and one backward; 'reference' runs the plain ops", async () => {
    await onBackend(backend);
    await withKernelMode('fused', () => expect(fusedAttentionAvailable()).toBe(true));
    expectFusedKernels(await kernelsInMode('fused'));
    await withKernelMode('fused', () => expect(fusedAttentionAvailable()).toBe(false), {
      referenceOps: ['attention'],
    });
    const reference = await kernelsInMode('reference');
    for (const names of [reference.forward, reference.grad]) {
      expect(names.some((n) => n.startsWith('PkmAttention'))).toBe(false);
    }
    // layers.ts' former op sequence: split, per-part transposes, q·kᵀ, scale, mask, softmax, ·v, merge.
    expect(reference.forward).toContain('BatchMatMul');
    expect(reference.forward).toContain('Softmax');
    expect(reference.grad.length).toBeGreaterThan(15);
  });
});

describe('fused attention core on wasm: SIMD kernels and JS loops', () => {
  it('Node has WebAssembly SIMD: the SIMD kernels run for dh a multiple of 4, the loops otherwise', async () => {
    await onBackend('wasm');
    expect(simdAttentionAvailable(16)).toBe(true);
    expect(simdAttentionAvailable(5)).toBe(false);
    await withKernelMode('fused', () => {
      expect(fusedAttentionAvailable(16)).toBe(true);
      // The loops lose to the reference's matMuls on wasm: the model keeps the reference there.
      expect(fusedAttentionAvailable(5)).toBe(false);
    });
  });

  it.each(SIZES.filter((s) => s[3] % 4 === 0).map((s) => [s.join(', '), s] as const))(
    'B, T, H, dh = %s: SIMD (float32 sums) = the float64 loops to float32 tolerance, and not bit for bit by accident',
    async (_, sizes) => {
      await onBackend('wasm');
      const c = randomCase(sizes, 13);
      const simd = await run(fusedOp, c);
      setWasmSimdEnabled(false);
      try {
        expect(simdAttentionAvailable(sizes[3])).toBe(false);
        const loops = await run(fusedOp, c);
        expectSameResult(simd, loops);
        if (sizes[1] > 1) expect(simd.dqkv.some((v, i) => v !== loops.dqkv[i])).toBe(true);
      } finally {
        setWasmSimdEnabled(true);
      }
    },
  );
});
