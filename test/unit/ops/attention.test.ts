import { describe, expect, it } from 'vitest';
import { fusedAttentionAvailable } from '../../../src/model/ops/attention';
import { withKernelMode } from '../../../src/model/ops/kernelMode';
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

  it('dqkv matches central finite differences of the fused forward', async () => {
    await onBackend(backend);
    expect(await finiteDifferenceErrors(randomCase([2, 7, 3, 5], 8), 24)).toBe(0);
  });

  it('cpu and wasm agree to the last bit (the same float64 loops)', async () => {
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

  it("'fused' runs one kernel forward and one backward (cpu; wasm keeps the reference); 'reference' runs the plain ops", async () => {
    await onBackend(backend);
    // On wasm the model keeps the reference (measured faster there); the kernels are tested above.
    const fused = backend === 'cpu';
    await withKernelMode('fused', () => expect(fusedAttentionAvailable()).toBe(fused));
    const inFusedMode = await kernelsInMode('fused');
    if (fused) expectFusedKernels(inFusedMode);
    else expect(inFusedMode.grad.some((n) => n.startsWith('PkmAttention'))).toBe(false);
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
