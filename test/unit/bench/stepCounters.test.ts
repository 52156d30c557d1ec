import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { blockingReads, byteSize, countStepWork } from '../../../bench/lib/stepCounters';

/** The step counters on a short, known op sequence on the wasm backend. */

beforeAll(async () => {
  await tf.setBackend('wasm');
  await tf.ready();
});

describe('blockingReads', () => {
  it('counts a read only when nothing ran while it was pending and the step went on after it', () => {
    const reads = [
      { bytes: 4, sync: false, kernelsAtIssue: 3, kernelsAtReturn: 3 }, // waited on, then 2 more kernels
      { bytes: 4, sync: false, kernelsAtIssue: 3, kernelsAtReturn: 4 }, // overlapped with a kernel
      { bytes: 4, sync: true, kernelsAtIssue: 5, kernelsAtReturn: 5 }, // the step's last act
      { bytes: 4, sync: false, kernelsAtIssue: 4 }, // still pending when the step ended
    ];
    expect(blockingReads(reads, 5)).toBe(1);
    expect(blockingReads(reads, 6)).toBe(2);
  });

  it('sizes typed arrays and arrays of them (string tensors)', () => {
    expect(byteSize(new Float32Array(3))).toBe(12);
    expect(byteSize([new Uint8Array(2), new Uint8Array(5)])).toBe(7);
    expect(byteSize(undefined)).toBe(0);
  });
});

describe('countStepWork on wasm', () => {
  it('counts kernels, views, reads, bytes and the read the sequence waits on', async () => {
    const x = tf.tensor2d([1, 2, 3, 4], [2, 2]);
    const before = tf.engine().runKernel;
    const { result, work } = await countStepWork(async () => {
      const sum = tf.add(x, x);
      const flat = tf.reshape(sum, [4]);
      const first = await flat.data(); // waited on: the multiply below comes after it
      const twice = tf.mul(flat, tf.scalar(2));
      const last = twice.dataSync(); // the last act of the step: blocks nothing after it
      tf.dispose([sum, flat, twice]);
      return [first[3], last[3]];
    });
    x.dispose();
    expect(result).toEqual([8, 16]);
    expect(work.by_kernel).toEqual({ Add: 1, Reshape: 1, Multiply: 1 });
    expect(work).toMatchObject({
      kernels: 3,
      compute_kernels: 2,
      view_kernels: 1,
      reads: 2,
      blocking_reads: 1,
      read_bytes: 32,
      kernel_reads: 0,
    });
    expect(work.gpu_programs).toBeUndefined();
    // The hooks are gone afterwards: the engine's own method again.
    expect(tf.engine().runKernel).toBe(before);
    expect(Object.hasOwn(tf.engine(), 'runKernel')).toBe(false);
  });

  it('does not count a read that overlaps later work as blocking', async () => {
    const x = tf.tensor1d([1, 2, 3]);
    const { work } = await countStepWork(async () => {
      const a = tf.neg(x);
      const pending = a.data();
      const b = tf.abs(a);
      await pending;
      tf.dispose([a, b]);
    });
    x.dispose();
    expect(work).toMatchObject({ compute_kernels: 2, reads: 1, blocking_reads: 0, read_bytes: 12 });
  });

  it("keeps a kernel's own reads of the wasm heap apart from reads back", async () => {
    const x = tf.tensor2d([1, 2, 3, 4, 5, 6, 7, 8], [2, 4]);
    const { work } = await countStepWork(async () => tf.dispose(tf.unstack(x, 1)));
    x.dispose();
    expect(work.by_kernel.Unpack).toBe(1);
    expect(work.reads).toBe(0);
    expect(work.kernel_reads).toBeGreaterThan(0);
    expect(work.kernel_read_bytes).toBeGreaterThan(0);
  });

  it('refuses to nest and takes its hooks off when the step throws', async () => {
    await expect(
      countStepWork(async () => {
        await countStepWork(async () => 0);
      }),
    ).rejects.toThrow(/not re-entrant/);
    await expect(
      countStepWork(async () => {
        throw new Error('step failed');
      }),
    ).rejects.toThrow('step failed');
    expect(Object.hasOwn(tf.backend(), 'readSync')).toBe(false);
    expect(Object.hasOwn(tf.backend(), 'read')).toBe(false);
    const { work } = await countStepWork(async () => tf.dispose(tf.neg(tf.scalar(1))));
    expect(work.compute_kernels).toBe(1);
  });
});
