/// <reference types="@webgpu/types" />
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { countStepWork } from '../../../bench/lib/stepCounters';
import { runOnNodeWebgpu } from '../nodeWebgpu';

runOnNodeWebgpu();

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
    expect(work.gpu_dispatches).toBe(2);
  });

  it('counts compute passes recorded outside tfjs (raw pipelines) as dispatches, not programs', async () => {
    const device = (tf.backend() as unknown as { device: GPUDevice }).device;
    const module = device.createShaderModule({
      code: '@compute @workgroup_size(1) fn main() {}',
    });
    const pipeline = device.createComputePipeline({
      layout: 'auto',
      compute: { module, entryPoint: 'main' },
    });
    const { work } = await countStepWork(async () => {
      const encoder = device.createCommandEncoder();
      const pass = encoder.beginComputePass();
      pass.setPipeline(pipeline);
      pass.dispatchWorkgroups(1);
      pass.dispatchWorkgroups(2, 2);
      pass.end();
      device.queue.submit([encoder.finish()]);
    });
    expect(work).toMatchObject({ compute_kernels: 0, gpu_programs: 0, gpu_dispatches: 2 });
    // The counter is taken off afterwards.
    const after = await countStepWork(async () => undefined);
    expect(after.work.gpu_dispatches).toBe(0);
  });
});
