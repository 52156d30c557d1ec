import { describe, expect, it } from 'vitest';
import { weightedValueRows } from '../../../src/app/figures/weightedValueRows';
import { makeFixtureMemory, traceLookup } from '../../fixtures/productKeyMemory';

describe('weightedValueRows', () => {
  const mem = makeFixtureMemory({ d_in: 8, heads: 2, n_keys: 12, k_dim: 6, knn: 4, v_dim: 5, seed: 3 });
  const x = Float32Array.from({ length: 8 }, (_, i) => Math.sin(i + 1));
  const trace = traceLookup(mem, x);

  it('keeps the heaviest rows, sums the rest, and the parts add up to the output', () => {
    const parts = weightedValueRows(trace, 5, 3)!;
    expect(parts.rows).toHaveLength(3);
    expect(parts.restCount).toBe(2 * 4 - 3);
    const weights = trace.heads.flatMap((h) => Array.from(h.weights)).sort((a, b) => b - a);
    expect(parts.rows.map((r) => r.weight)).toEqual(weights.slice(0, 3));
    for (const r of parts.rows) {
      const head = trace.heads[r.head];
      expect(head.slots[r.rank]).toBe(r.slot);
      for (let d = 0; d < 5; d++)
        expect(r.weighted[d]).toBeCloseTo(r.weight * head.values[r.rank * 5 + d], 6);
    }
    for (let d = 0; d < 5; d++) {
      const parted = parts.rows.reduce((s, r) => s + r.weighted[d], parts.rest[d]);
      expect(parted).toBeCloseTo(parts.sum[d], 6);
      expect(parts.sum[d]).toBeCloseTo(trace.output[d], 5);
    }
  });

  it('is null for a trace without value rows', () => {
    const old = { ...trace, heads: trace.heads.map((h) => ({ ...h, values: new Float32Array(0) })) };
    expect(weightedValueRows(old, 5, 3)).toBeNull();
  });
});
