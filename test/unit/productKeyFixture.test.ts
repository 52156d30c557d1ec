import { describe, expect, it } from 'vitest';
import { coverageMetrics } from '../fixtures/coverageMetrics';
import { evaluate } from '../fixtures/evaluation';
import { mulberry32, normalArray } from '../fixtures/prng';
import { makeFixtureMemory, topK, traceLookup } from '../fixtures/productKeyMemory';

describe('product-key lookup fixture', () => {
  it('finds exactly the best k of all n² slots, with softmax weights', () => {
    for (const query_norm of ['batchnorm', 'layernorm', 'none'] as const) {
      const mem = makeFixtureMemory({
        n_keys: 16,
        knn: 5,
        heads: 3,
        k_dim: 8,
        d_in: 12,
        query_norm,
        seed: 4,
      });
      const x = normalArray(mulberry32(9), 12, 1);
      const trace = traceLookup(mem, x);
      for (const head of trace.heads) {
        const [s1, s2] = head.subScores;
        const all = Float32Array.from({ length: 256 }, (_, s) => s1[Math.floor(s / 16)] + s2[s % 16]);
        expect([...head.slots]).toEqual([...topK(all, 5)]);
        expect([...head.slots]).toEqual([...head.rows].map((r, m) => r * 16 + head.cols[m]));
        head.slots.forEach((slot, m) => {
          const { row, col } = head.candidateRank!;
          expect(head.candidates![row[m] * 5 + col[m]]).toBeCloseTo(all[slot], 5);
        });
        expect(head.weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
        expect(head.weights[0]).toBeGreaterThanOrEqual(head.weights[4]);
      }
      expect(trace.output.length).toBe(mem.spec.v_dim);
    }
  });

  it('topK keeps the lower index on ties and the order best first', () => {
    expect([...topK([1, 3, 3, 2, 5], 3)]).toEqual([4, 1, 2]);
    expect([...topK([1, 2], 5)]).toEqual([1, 0]);
  });

  it('is deterministic and its usage agrees with the metrics', () => {
    const a = evaluate([...'abcabcabd'], { seed: 2 });
    const b = evaluate([...'abcabcabd'], { seed: 2 });
    expect(a.all.counts).toEqual(b.all.counts);
    const total = a.all.counts.reduce((s, v) => s + v, 0);
    expect(total).toBe(9 * 2 * 8);
    const m = coverageMetrics(a.all.weights, a.all.counts);
    expect(m.usage).toBeCloseTo(a.all.weights.filter((w) => w > 0).length / 1024, 10);
    expect(m.top50).toBeLessThanOrEqual(m.top90);
    expect(m.top90).toBeLessThanOrEqual(m.top99);
  });
});
