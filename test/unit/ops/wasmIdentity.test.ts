import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { withKernelMode } from '../../../src/model/ops/kernelMode';
import { ensureSharedWasmIdentity } from '../../../src/model/ops/wasm/identity';

interface WasmBackend {
  dataIdMap: { get(dataId: object): { memoryOffset: number; refCount: number } | undefined };
}

const entry = (t: tf.Tensor) => (tf.backend() as unknown as WasmBackend).dataIdMap.get(t.dataId);

describe('zero-copy Identity on wasm', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
    await tf.ready();
    ensureSharedWasmIdentity();
    ensureSharedWasmIdentity(); // idempotent
  });

  it('a clone shares the buffer in fused mode, and copies in reference mode', async () => {
    const x = tf.tensor1d([1, 2, 3]);
    const shared = tf.clone(x);
    expect(shared.dataId).toBe(x.dataId);
    expect(entry(x)?.refCount).toBe(2);
    const copied = await withKernelMode('reference', () => tf.clone(x));
    expect(copied.dataId).not.toBe(x.dataId);
    expect(entry(copied)?.memoryOffset).not.toBe(entry(x)?.memoryOffset);
    expect(Array.from(await copied.data())).toEqual([1, 2, 3]);
    // Disposing either sharer keeps the data for the other.
    x.dispose();
    expect(Array.from(await shared.data())).toEqual([1, 2, 3]);
    tf.dispose([shared, copied]);
  });

  it('gradients through ops that save their inputs are unchanged, and nothing leaks', async () => {
    const a = tf.tensor2d([1, -2, 3, 0.5], [2, 2]);
    const b = tf.tensor2d([0.25, 4, -1, 2], [2, 2]);
    const f = (x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(tf.matMul(x, y), tf.sigmoid(x)));
    const grads = async () => {
      const [ga, gb] = tf.grads(f)([a, b]);
      const out = [Array.from(await ga.data()), Array.from(await gb.data())];
      tf.dispose([ga, gb]);
      return out;
    };
    const reference = await withKernelMode('reference', grads);
    await grads();
    const before = tf.memory().numTensors;
    expect(await grads()).toEqual(reference);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([a, b]);
  });
});
