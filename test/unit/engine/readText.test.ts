import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import { type TestSession, tinySession } from './harness';

let open: TestSession[] = [];
afterEach(async () => {
  for (const t of open) await t.send({ type: 'init', backend: 'wasm' }); // disposes the model
  open = [];
});

describe('EngineSession: readText', () => {
  it('gives every byte the slots and weights a trace of that byte gives, in every memory layer', async () => {
    // context 8, batch 4: 30 bytes make 23 windows, so 6 batches, the last one padded.
    const t = await tinySession({ layers: 3, mem_layers: [0, 2] });
    open.push(t);
    await t.ok({ type: 'step', count: 6 });
    const text = 'Kavo lives in Oslo. Mé is ok.';
    const bytes = new TextEncoder().encode(text);
    for (const layer of [0, 2]) {
      const before = tf.memory().numTensors;
      const reads = await t.ok({ type: 'readText', text, layer });
      expect(tf.memory().numTensors).toBe(before);
      expect(reads).toMatchObject({ text, layer, heads: 2, knn: 4, positions: bytes.length, step: 6 });
      expect(reads.slots).toBeInstanceOf(Int32Array);
      expect(reads.slots).toHaveLength(bytes.length * 2 * 4);
      expect(reads.weights).toHaveLength(bytes.length * 2 * 4);
      for (let p = 0; p < bytes.length; p++) {
        const traced = await t.ok({ type: 'trace', text, position: p });
        const heads = traced.layers.find((l) => l.layer === layer)!.trace.heads;
        heads.forEach((h, k) => {
          const at = (p * 2 + k) * 4;
          expect(Array.from(reads.slots.subarray(at, at + 4)), `byte ${p} head ${k}`).toEqual(
            Array.from(h.slots),
          );
          h.weights.forEach((w, j) => {
            expect(reads.weights[at + j]).toBeCloseTo(w, 5);
          });
        });
      }
    }
    // Without a layer: the first memory layer.
    const first = await t.ok({ type: 'readText', text: 'abc' });
    expect(first.layer).toBe(0);
    expect(first.positions).toBe(3);
  });

  it('names the problem for a layer without memory or an empty text', async () => {
    const t = await tinySession();
    open.push(t);
    const noMemory = await t.send({ type: 'readText', text: 'abc', layer: 0 });
    expect(noMemory.ok).toBe(false);
    if (!noMemory.ok)
      expect(noMemory.error.message).toMatch(/layer 0 has no memory: the memory layers are 1/);
    const empty = await t.send({ type: 'readText', text: '' });
    expect(empty.ok).toBe(false);
    if (!empty.ok) expect(empty.error.kind).toBe('bad-command');
  });
});
