import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { createMemory } from '../../../src/model/memory/createMemory';
import { RandomStream } from '../../../src/model/memory/random';
import type { MemoryTrace } from '../../../src/model/memory/types';
import { makeSpec, uniform, useBackend } from './helpers';

/** Σ over heads and their k of weight · value row: the memory's read before any memory+ gate. */
function weightedSum(trace: MemoryTrace, v_dim: number): Float64Array {
  const sum = new Float64Array(v_dim);
  for (const head of trace.heads) {
    head.weights.forEach((w, m) => {
      for (let d = 0; d < v_dim; d++) sum[d] += w * head.values[m * v_dim + d];
    });
  }
  return sum;
}

describe('memory trace: value rows (wasm)', () => {
  it.each(['product', 'flat'] as const)(
    '%s keys: values are the value-table rows of the selected slots and sum to the output',
    async (mem_keys) => {
      await useBackend('wasm');
      const spec = makeSpec({ mem_keys, n_keys: 8, knn: 4, k_dim: 6, heads: 3, v_dim: 5, d_in: 7 });
      const mod = createMemory(spec, { seed: 11 });
      const { values: table } = await mod.readWeights();
      const before = tf.memory().numTensors;
      const trace = await mod.trace(uniform(spec.d_in, 1.5, new RandomStream(4, 2)));
      expect(tf.memory().numTensors).toBe(before);
      for (const head of trace.heads) {
        expect(head.values).toBeInstanceOf(Float32Array);
        expect(head.values).toHaveLength(spec.knn * spec.v_dim);
        head.slots.forEach((slot, m) => {
          const want = table.slice(slot * spec.v_dim, (slot + 1) * spec.v_dim);
          expect(Array.from(head.values.slice(m * spec.v_dim, (m + 1) * spec.v_dim))).toEqual(
            Array.from(want),
          );
        });
      }
      const sum = weightedSum(trace, spec.v_dim);
      sum.forEach((s, d) => {
        expect(trace.output[d]).toBeCloseTo(s, 5);
      });
      mod.dispose();
    },
  );

  it('memory+: the weighted sum of values is the read the SiLU gate and projection act on', async () => {
    await useBackend('wasm');
    const spec = makeSpec({ mem_plus: true, d_in: 4, v_dim: 3, d_out: 4, n_keys: 6, knn: 2 });
    const mod = createMemory(spec, { seed: 2 });
    const w = await mod.readWeights();
    const x = uniform(spec.d_in, 1, new RandomStream(8, 1));
    const trace = await mod.trace(x);
    const read = weightedSum(trace, spec.v_dim);
    const gated = Array.from(read, (r, j) => {
      let g = 0;
      for (let i = 0; i < spec.d_in; i++) g += x[i] * w.gateW![i * spec.v_dim + j];
      return (r * g) / (1 + Math.exp(-g));
    });
    for (let o = 0; o < spec.d_out; o++) {
      let want = 0;
      for (let j = 0; j < spec.v_dim; j++) want += gated[j] * w.outW![j * spec.d_out + o];
      expect(trace.output[o]).toBeCloseTo(want, 5);
    }
    mod.dispose();
  });
});
