import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { create, globals } from 'webgpu';
import { countStepWork } from '../../../bench/lib/stepCounters';

// The step counters on WebGPU (Dawn in Node on SwiftShader; vitest.config.ts sets VK_ICD_FILENAMES):
// programs dispatched and GPU read-backs. The globals must exist before tfjs-backend-webgpu loads.
beforeAll(async () => {
  Object.assign(globalThis, globals);
  Object.defineProperty(globalThis, 'navigator', { value: { gpu: create([]) }, configurable: true });
  await import('@tensorflow/tfjs-backend-webgpu');
  if (!(await tf.setBackend('webgpu'))) throw new Error('the webgpu backend did not start in Node');
  await tf.ready();
}, 60_000);

describe('countStepWork on WebGPU', () => {
  it('counts the programs dispatched and the read-back the sequence waits on', async () => {
    // 2,048 elements: above the size that WebGPU keeps on the CPU, so both ops run on the GPU.
    const x = tf.randomNormal([32, 64], 0, 1, 'float32', 3);
    await x.data();
    const { work } = await countStepWork(async () => {
      const y = tf.add(x, x);
      await y.data(); // waited on before the next op: blocking
      const z = tf.reshape(tf.mul(y, y), [64, 32]);
      await z.data(); // the last act: not blocking
      tf.dispose([y, z]);
    });
    x.dispose();
    expect(tf.getBackend()).toBe('webgpu');
    expect(work).toMatchObject({ compute_kernels: 2, view_kernels: 1, reads: 2, blocking_reads: 1 });
    expect(work.read_bytes).toBe(2 * 2048 * 4);
    expect(work.gpu_programs).toBe(2);
  });
});
