import * as tf from '@tensorflow/tfjs';
import { beforeAll } from 'vitest';
import { create, globals } from 'webgpu';

/**
 * Runs the file's tests on tfjs's WebGPU backend in Node: Dawn (the `webgpu` package) on
 * Chromium's SwiftShader, found through VK_ICD_FILENAMES (vitest.config.ts sets it). The globals
 * and `navigator.gpu` must exist before tfjs-backend-webgpu is first imported, so it is imported
 * here, after them.
 */
export function runOnNodeWebgpu(): void {
  beforeAll(async () => {
    Object.assign(globalThis, globals);
    Object.defineProperty(globalThis, 'navigator', { value: { gpu: create([]) }, configurable: true });
    await import('@tensorflow/tfjs-backend-webgpu');
    if (!(await tf.setBackend('webgpu')))
      throw new Error('the webgpu backend did not start in Node (Dawn + SwiftShader)');
    await tf.ready();
  }, 60_000);
}
