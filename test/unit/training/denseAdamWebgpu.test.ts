import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, it } from 'vitest';
import { create, globals } from 'webgpu';
import { checkFusedAgainstReference } from './denseAdamCheck';
import { checkValueUpdateMask } from './valueMaskCheck';

// WebGPU in Node: Dawn (the `webgpu` package) on Chromium's SwiftShader; vitest.config.ts sets
// VK_ICD_FILENAMES. The globals must exist before tfjs-backend-webgpu is loaded.
beforeAll(async () => {
  Object.assign(globalThis, globals);
  Object.defineProperty(globalThis, 'navigator', { value: { gpu: create([]) }, configurable: true });
  await import('@tensorflow/tfjs-backend-webgpu');
  if (!(await tf.setBackend('webgpu')))
    throw new Error('the webgpu backend did not start in Node (Dawn + SwiftShader)');
  await tf.ready();
}, 60_000);

describe('fused dense Adam on WebGPU (Dawn in Node)', () => {
  // The shader may contract a·b + c into one fused multiply-add: float32 tolerance, not bits.
  // A skipped step is still checked bit for bit.
  it('matches the tfjs-op reference with clipped, unclipped and skipped steps', async () => {
    await checkFusedAgainstReference('webgpu', 2e-6);
  });

  it('the in-place value update writes nothing for a skipped step (the flag is read by the shader)', async () => {
    await checkValueUpdateMask('webgpu');
  });
});
