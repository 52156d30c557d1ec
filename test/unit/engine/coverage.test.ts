import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import { writeMemoryFile } from '../../../src/model/io/layouts';
import { writeNpy } from '../../../src/model/io/npy';
import { createMemory } from '../../../src/model/memory/createMemory';
import type { MemorySpec } from '../../../src/model/memory/types';
import { initMemoryWeights } from '../../../src/model/memory/weights';
import { memoryMetrics } from '../../../src/model/metrics/memoryMetrics';
import { createRng } from '../../../src/model/random';
import { openSession, type TestSession } from './harness';

const SPEC: MemorySpec = {
  d_in: 12,
  heads: 3,
  n_keys: 8,
  k_dim: 8,
  v_dim: 12,
  knn: 4,
  query_norm: 'batchnorm',
  mem_keys: 'product',
  mem_plus: false,
  d_out: 12,
};

function inputs(count: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: count * SPEC.d_in }, () => 2 * rng.next() - 1);
}

let t: TestSession | null = null;
afterEach(async () => {
  await t?.session.dispose();
  t = null;
});

describe('importMemory: coverage of an XLM memory over .npy inputs', () => {
  it('matches the metrics of the memory read directly, with usage maps and dead slots', async () => {
    t = openSession();
    await t.ok({ type: 'init', backend: 'wasm' });
    const weights = initMemoryWeights(SPEC, 11);
    const count = 700; // more than one chunk of 512, with a padded last chunk
    const x = inputs(count, 4);
    const tensors = tf.memory().numTensors;
    const report = await t.ok({
      type: 'importMemory',
      memory: writeMemoryFile('xlm', SPEC, weights),
      inputs: writeNpy(x, [count, SPEC.d_in]),
      name: 'layer5.safetensors',
    });
    expect(tf.memory().numTensors).toBe(tensors);

    // The same memory read in one forward, without the engine.
    const memory = createMemory(SPEC, { weights });
    const read = memory.forward(tf.tensor2d(x, [count, SPEC.d_in]), 'eval');
    const slots = (await read.slots.data()) as Int32Array;
    const w = (await read.weights.data()) as Float32Array;
    tf.dispose([read.output, read.slots, read.scores, read.weights]);
    memory.dispose();
    const expected = memoryMetrics(slots, w, { slots: 64, heads: 3, knn: 4 });

    expect(report).toMatchObject({ name: 'layer5.safetensors', inputs: count, spec: SPEC });
    expect(report.metrics.usage).toBe(expected.usage);
    expect(report.metrics.per_head.map((h) => h.usage)).toEqual(expected.per_head.map((h) => h.usage));
    expect(report.metrics.kl_u).toBeCloseTo(expected.kl_u, 10);
    expect(report.metrics.kl_w).toBeCloseTo(expected.kl_w, 5);
    expect(report.metrics.gini_w).toBeCloseTo(expected.gini_w, 5);
    expect(report.metrics.top90_w).toBe(expected.top90_w);
    expect(report.metrics.head_overlap).toEqual(expected.head_overlap);

    // Counts per head and slot, and dead slots, from the same reads.
    const counts = Array.from({ length: 3 }, () => new Float32Array(64));
    slots.forEach((s, i) => {
      counts[Math.floor(i / 4) % 3][s]++;
    });
    expect(report.counts.perHead).toEqual(counts);
    expect(report.counts.total.reduce((a, b) => a + b, 0)).toBe(count * 3 * 4);
    expect(report.weights.total.reduce((a, b) => a + b, 0)).toBeCloseTo(count * 3, 2);
    const deadPerHead = counts.map((c) => c.filter((v) => v === 0).length);
    expect(report.dead.perHead).toEqual(deadPerHead);
    const deadTotal = Array.from({ length: 64 }, (_, s) => s).filter((s) => counts.every((c) => c[s] === 0));
    expect(Array.from(report.dead.slots)).toEqual(deadTotal);
    expect(report.dead.total).toBe(deadTotal.length);
    expect(report.metrics.usage).toBeCloseTo(1 - deadTotal.length / 64, 10);
  });

  it('names the problem with bad files, without a model and without dying', async () => {
    t = openSession();
    await t.ok({ type: 'init', backend: 'wasm' });
    const memory = writeMemoryFile('xlm', SPEC, initMemoryWeights(SPEC, 1));
    const bad = async (args: { memory: Uint8Array; inputs: Uint8Array }, kind: string, message: RegExp) => {
      const reply = await t!.send({ type: 'importMemory', ...args });
      expect(reply.ok).toBe(false);
      if (!reply.ok) {
        expect(reply.error.kind).toBe(kind);
        expect(reply.error.message).toMatch(message);
      }
    };
    // Inputs of another width fit neither the memory nor its k: not a file that "could not be read".
    await bad(
      { memory, inputs: writeNpy(inputs(5, 1).subarray(0, 50), [5, 10]) },
      'bad-command',
      /the inputs are 10 wide but the memory's input width d_in is 12/,
    );
    await bad({ memory, inputs: new Uint8Array([1, 2, 3]) }, 'format', /npy/i);
    await bad(
      { memory: new Uint8Array(16), inputs: writeNpy(inputs(2, 1), [2, 12]) },
      'format',
      /safetensors/,
    );
    const ok = await t.ok({ type: 'importMemory', memory, inputs: writeNpy(inputs(3, 2), [3, 12]) });
    expect(ok.inputs).toBe(3);
  });
});
