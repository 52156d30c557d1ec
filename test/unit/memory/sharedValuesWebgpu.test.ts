import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, it } from 'vitest';
import { create, globals } from 'webgpu';
import { checkSharedValueSteps } from './sharedValueCheck';

// WebGPU in Node as in webgpu.test.ts (Dawn on SwiftShader): the shared table's summed step runs
// through the WGSL row writer on tfjs's own buffers.
beforeAll(async () => {
  Object.assign(globalThis, globals);
  Object.defineProperty(globalThis, 'navigator', { value: { gpu: create([]) }, configurable: true });
  await import('@tensorflow/tfjs-backend-webgpu');
  if (!(await tf.setBackend('webgpu')))
    throw new Error('the webgpu backend did not start in Node (Dawn + SwiftShader)');
  await tf.ready();
}, 60_000);

describe('mem_share_values on WebGPU (Dawn in Node)', () => {
  it('a training step sums both layers’ row gradients per slot and applies ONE sparse Adam step', async () => {
    await checkSharedValueSteps('webgpu');
  }, 120_000);
});
