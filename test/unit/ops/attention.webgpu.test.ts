import { describe, expect, it } from 'vitest';
import { fusedAttentionAvailable } from '../../../src/model/ops/attention';
import { withKernelMode } from '../../../src/model/ops/kernelMode';
import { runOnNodeWebgpu } from '../nodeWebgpu';
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
import { onBackend } from './onBackend';

runOnNodeWebgpu();

describe('fused attention core on WebGPU (Dawn in Node)', () => {
  it.each(SIZES.map((s) => [s.join(', '), s] as const))(
    'B, T, H, dh = %s: forward and dqkv = reference and = wasm to float32 tolerance',
    async (_, sizes) => {
      const c = randomCase(sizes, 3);
      await onBackend('wasm');
      const wasm = await run(fusedOp, c);
      await onBackend('webgpu');
      const fused = await run(fusedOp, c);
      const reference = await run(referenceOp, c);
      // The shaders sum in float32 in another order than the reference's matMuls: same tolerances.
      expectSameResult(fused, reference);
      expectSameResult(fused, wasm);
    },
  );

  it('dqkv matches central finite differences of the fused forward', async () => {
    await onBackend('webgpu');
    expect(await finiteDifferenceErrors(randomCase([2, 7, 3, 5], 8), 24)).toBe(0);
  });

  it('no tensor leaks over repeated forward and gradient calls (fused and reference)', async () => {
    await onBackend('webgpu');
    expect(await tensorCountDrift()).toBe(0);
  });

  it("'fused' runs one kernel forward and one backward; 'reference' runs the plain ops", async () => {
    await onBackend('webgpu');
    await withKernelMode('fused', () => expect(fusedAttentionAvailable()).toBe(true));
    expectFusedKernels(await kernelsInMode('fused'));
    const reference = await kernelsInMode('reference');
    expect(reference.forward).toContain('Softmax');
    expect(reference.grad.some((n) => n.startsWith('PkmAttention'))).toBe(false);
  });
});
