import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { createMemory } from '../../../src/model/memory/createMemory';
import { RandomStream } from '../../../src/model/memory/random';
import type { MemorySpec } from '../../../src/model/memory/types';
import { bruteForce, integers, integerWeights, makeSpec, uniform, useBackend } from './helpers';

async function selected(
  spec: MemorySpec,
  weights: ReturnType<typeof integerWeights>,
  x: Float32Array,
  n: number,
) {
  const mod = createMemory(spec, { weights });
  const read = mod.forward(tf.tensor2d(x, [n, spec.d_in]), 'eval');
  const [slots, scores] = await Promise.all([read.slots.data(), read.scores.data()]);
  tf.dispose([read.output, read.slots, read.scores, read.weights]);
  mod.dispose();
  return { slots: slots as Int32Array, scores: scores as Float32Array };
}

// [n_keys, knn, k_dim, heads]; includes knn = n_keys and n_keys = 1024 (1,048,576 slots).
const PRODUCT_SIZES: [number, number, number, number][] = [
  [2, 1, 2, 1],
  [2, 2, 2, 2],
  [3, 3, 4, 2],
  [5, 2, 2, 3],
  [8, 8, 2, 2],
  [16, 5, 4, 2],
  [37, 7, 6, 1],
  [64, 64, 2, 2],
  [1024, 8, 2, 1],
  [1024, 64, 2, 1],
];
const FLAT_SIZES: [number, number, number, number][] = [
  [2, 1, 2, 1],
  [2, 2, 2, 2],
  [3, 3, 4, 2],
  [8, 8, 2, 2],
  [16, 16, 2, 1],
  [64, 64, 2, 2],
  [256, 9, 2, 1],
];

describe.each(['wasm', 'cpu'] as const)('exact top-k on %s', (backend) => {
  it('tf.topk keeps the lower index first on ties', async () => {
    await useBackend(backend);
    const rng = new RandomStream(7, backend.length);
    for (const [width, k] of [
      [9, 4],
      [64, 8],
      [100, 64],
      [4096, 16],
    ]) {
      const rows = 8;
      const data = integers(rows * width, 1, rng);
      const top = tf.topk(tf.tensor2d(data, [rows, width]), k);
      const idx = await top.indices.data();
      tf.dispose([top.values, top.indices]);
      for (let r = 0; r < rows; r++) {
        const ids = Array.from({ length: width }, (_, i) => i);
        ids.sort((a, b) => data[r * width + b] - data[r * width + a] || a - b);
        expect(Array.from(idx.slice(r * k, (r + 1) * k))).toEqual(ids.slice(0, k));
      }
    }
  });

  // The largest tables run on wasm only; the pure-JS cpu backend checks the smaller ones.
  const small = ([n]: [number, number, number, number]) => backend === 'wasm' || n <= 64;
  const cases = [
    ...PRODUCT_SIZES.filter(small).map((s) => ['product', ...s] as const),
    ...FLAT_SIZES.filter(small).map((s) => ['flat', ...s] as const),
  ];
  it.each(cases)(
    '%s keys, n_keys %i, knn %i, k_dim %i, heads %i: forced ties match the brute force over all slots',
    async (mem_keys, n_keys, knn, k_dim, heads) => {
      await useBackend(backend);
      const spec = makeSpec({ mem_keys, n_keys, knn, k_dim, heads, d_in: 3, v_dim: 2 });
      // Wide integer keys on big tables: distinct sub-scores at the top, yet many equal sums.
      const weights = integerWeights(spec, n_keys * 100 + knn, n_keys > 64 ? 1000 : 1);
      const n = 5;
      const x = integers(n * spec.d_in, 1, new RandomStream(n_keys, knn));
      const got = await selected(spec, weights, x, n);
      const want = bruteForce(spec, weights, x, n);
      expect(Array.from(got.slots)).toEqual(Array.from(want.slots));
      expect(Array.from(got.scores)).toEqual(Array.from(want.scores));
    },
  );
});

describe('exact top-k with real-valued weights (wasm)', () => {
  it.each([
    ['product', 'batchnorm', 32, 8],
    ['product', 'layernorm', 128, 16],
    ['product', 'none', 512, 32],
    ['flat', 'batchnorm', 16, 8],
    ['flat', 'layernorm', 32, 32],
  ] as const)(
    '%s keys, %s: slots and scores match the brute force',
    async (mem_keys, query_norm, n_keys, knn) => {
      await useBackend('wasm');
      const spec = makeSpec({ mem_keys, query_norm, n_keys, knn, k_dim: 8, heads: 2, d_in: 8, v_dim: 4 });
      const mod = createMemory(spec, { seed: n_keys });
      const weights = await mod.readWeights();
      mod.dispose();
      const rng = new RandomStream(3, n_keys);
      if (weights.normGamma) {
        weights.normGamma = uniform(weights.normGamma.length, 1, rng).map((v) => 1 + 0.5 * v);
        weights.normBeta = uniform(weights.normBeta!.length, 0.3, rng);
      }
      if (weights.runningMean) {
        weights.runningMean = uniform(weights.runningMean.length, 0.2, rng);
        weights.runningVar = uniform(weights.runningVar!.length, 0.5, rng).map((v) => 0.6 + v);
      }
      const n = 6;
      const x = uniform(n * spec.d_in, 2, rng);
      const got = await selected(spec, weights, x, n);
      const want = bruteForce(spec, weights, x, n);
      for (let i = 0; i < got.slots.length; i++) {
        expect(got.scores[i]).toBeCloseTo(want.scores[i], 4);
        // Any disagreement in order can only be a float near-tie.
        if (got.slots[i] !== want.slots[i])
          expect(Math.abs(want.scores[i] - got.scores[i])).toBeLessThan(1e-5);
      }
      expect(Array.from(got.slots).filter((s, i) => s !== want.slots[i]).length).toBe(0);
    },
  );
});
