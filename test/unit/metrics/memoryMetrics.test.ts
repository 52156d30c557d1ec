import { describe, expect, it } from 'vitest';
import { distributionStats } from '../../../src/model/metrics/distribution';
import { memoryMetrics, SlotUsageAccumulator } from '../../../src/model/metrics/memoryMetrics';

/** XLM's evaluator written out literally: full ascending sort including zeros, searchsorted. */
function reference(mass: number[]) {
  const total = mass.reduce((a, b) => a + b, 0);
  const z = mass.map((m) => m / total);
  const n = z.length;
  let kl = Math.log(n);
  for (const v of z) if (v > 0) kl += v * Math.log(v);
  const y: number[] = [];
  for (const v of [...z].sort((a, b) => a - b)) y.push((y.at(-1) ?? 0) + v);
  const gini = 1 - (2 * y.reduce((a, b) => a + b, 0)) / n;
  const searchsorted = (t: number) => {
    const i = y.findIndex((v) => v >= t);
    return i < 0 ? n : i;
  };
  return {
    usage: z.filter((v) => v > 0).length / n,
    kl,
    gini,
    top50: n - searchsorted(0.5),
    top90: n - searchsorted(0.1),
    top99: n - searchsorted(0.01),
  };
}

/** One token per mass entry, one head, k = 1: slot s receives weight mass[s] (if non-zero). */
function singleReads(mass: number[]) {
  const ids: number[] = [];
  const w: number[] = [];
  mass.forEach((m, s) => {
    if (m > 0) {
      ids.push(s);
      w.push(m);
    }
  });
  return memoryMetrics(ids, w, { slots: mass.length, heads: 1, knn: 1 });
}

function lcg(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('distribution statistics', () => {
  it('even use: KL 0, Gini −1/|K| (XLM), the exact 50 % boundary counted as XLM does', () => {
    const m = singleReads([1, 1, 1, 1]);
    expect(m.usage).toBe(1);
    expect(m.kl_w).toBeCloseTo(0, 12);
    expect(m.gini_w).toBeCloseTo(-1 / 4, 12);
    // Ascending cumsum .25 .5 .75 1: searchsorted(.5) = 1, so top50 = 3; .1 and .01 give 0 → 4.
    expect([m.top50_w, m.top90_w, m.top99_w]).toEqual([3, 4, 4]);
  });

  it('one slot: KL log|K|, Gini 1 − 2/|K|, every topP 1', () => {
    const m = singleReads([0, 0, 0, 5, 0, 0, 0, 0]);
    expect(m.usage).toBe(1 / 8);
    expect(m.kl_w).toBeCloseTo(Math.log(8), 12);
    expect(m.kl_u).toBeCloseTo(Math.log(8), 12);
    expect(m.gini_w).toBeCloseTo(1 - 2 / 8, 12);
    expect([m.top50_w, m.top90_w, m.top99_w]).toEqual([1, 1, 1]);
  });

  it('a skewed case computed by hand', () => {
    // z = .5 .25 .125 .0625 .0625 0 0 0; ascending cumsum 0 0 0 .0625 .125 .25 .5 1.
    const s = distributionStats([8, 4, 2, 1, 1, 0, 0, 0]);
    expect(s.usage).toBe(5 / 8);
    expect([s.top50, s.top90, s.top99]).toEqual([8 - 6, 8 - 4, 8 - 3]);
    const entropy =
      0.5 * Math.log(0.5) + 0.25 * Math.log(0.25) + 0.125 * Math.log(0.125) + 0.125 * Math.log(0.0625);
    expect(s.kl).toBeCloseTo(Math.log(8) + entropy, 12);
    expect(s.gini).toBeCloseTo(1 - (2 * (0.0625 + 0.125 + 0.25 + 0.5 + 1)) / 8, 12);
  });

  it('matches the direct formulas on random masses, and reports no mass as NaN', () => {
    const rand = lcg(3);
    for (let trial = 0; trial < 20; trial++) {
      const n = 5 + Math.floor(rand() * 60);
      const mass: number[] = Array.from({ length: n }, () => (rand() < 0.3 ? 0 : rand() ** 3));
      if (!mass.some((m) => m > 0)) mass[0] = 1;
      const got = distributionStats(Float64Array.from(mass));
      const want = reference(mass);
      expect(got.usage).toBe(want.usage);
      expect(got.kl).toBeCloseTo(want.kl, 10);
      expect(got.gini).toBeCloseTo(want.gini, 10);
      expect([got.top50, got.top90, got.top99]).toEqual([want.top50, want.top90, want.top99]);
    }
    expect(distributionStats(new Float64Array(4))).toEqual({
      usage: 0,
      kl: Number.NaN,
      gini: Number.NaN,
      top50: 0,
      top90: 0,
      top99: 0,
    });
  });
});

describe('memory metrics per head and for the whole memory', () => {
  it('sums heads for the memory, counts reads for u, and matches the formulas per head', () => {
    const slots = 16;
    const heads = 2;
    const knn = 3;
    const tokens = 40;
    const rand = lcg(11);
    const ids = new Int32Array(tokens * heads * knn);
    const weights = new Float32Array(ids.length);
    for (let i = 0; i < ids.length; i++) {
      // Head 1 only reads the lower half: different statistics per head.
      const head = Math.floor(i / knn) % heads;
      ids[i] = Math.floor(rand() * (head === 0 ? slots : slots / 2));
      weights[i] = rand();
    }
    const acc = new SlotUsageAccumulator({ slots, heads, knn });
    acc.add(ids.subarray(0, 10 * heads * knn), weights.subarray(0, 10 * heads * knn));
    acc.add(ids.subarray(10 * heads * knn), weights.subarray(10 * heads * knn));
    const m = acc.metrics();
    expect(m).toEqual(memoryMetrics(ids, weights, { slots, heads, knn }));
    expect(m.tokens).toBe(40);
    expect(m.per_head).toHaveLength(2);

    const w = [new Array(slots).fill(0), new Array(slots).fill(0)];
    const u = [new Array(slots).fill(0), new Array(slots).fill(0)];
    for (let i = 0; i < ids.length; i++) {
      const head = Math.floor(i / knn) % heads;
      w[head][ids[i]] += weights[i];
      u[head][ids[i]] += 1;
    }
    const check = (got: (typeof m.per_head)[0], wm: number[], um: number[]) => {
      const rw = reference(wm);
      const ru = reference(um);
      expect(got.usage).toBe(rw.usage);
      expect(got.kl_w).toBeCloseTo(rw.kl, 6);
      expect(got.kl_u).toBeCloseTo(ru.kl, 10);
      expect(got.gini_w).toBeCloseTo(rw.gini, 6);
      expect(got.gini_u).toBeCloseTo(ru.gini, 10);
      expect([got.top50_w, got.top90_w, got.top99_w]).toEqual([rw.top50, rw.top90, rw.top99]);
      expect([got.top50_u, got.top90_u, got.top99_u]).toEqual([ru.top50, ru.top90, ru.top99]);
    };
    check(m.per_head[0], w[0], u[0]);
    check(m.per_head[1], w[1], u[1]);
    check(
      m,
      w[0].map((v, s) => v + w[1][s]),
      u[0].map((v, s) => v + u[1][s]),
    );
    expect(m.per_head[1].usage).toBeLessThanOrEqual(0.5);
  });

  it('head overlap: mean pairwise Jaccard of the used-slot sets and the shared fraction', () => {
    // Three heads, k = 1, one token each: sets {0,1,2}, {2,3}, {5}.
    const reads = [
      [0, 2, 5],
      [1, 3, 5],
      [2, 2, 5],
    ];
    const m = memoryMetrics(
      reads.flat(),
      reads.flat().map(() => 1),
      { slots: 8, heads: 3, knn: 1 },
    );
    // J(0,1) = |{2}| / |{0,1,2,3}| = 1/4; J(0,2) = 0; J(1,2) = 0.
    expect(m.head_overlap.jaccard).toBeCloseTo(1 / 12, 12);
    // Used by any head: {0,1,2,3,5}; by two or more: {2}.
    expect(m.head_overlap.shared).toBeCloseTo(1 / 5, 12);
    expect(memoryMetrics([0, 1], [1, 1], { slots: 4, heads: 1, knn: 1 }).head_overlap).toEqual({
      jaccard: null,
      shared: 0,
    });
    const same = memoryMetrics([0, 0, 1, 1], [1, 1, 1, 1], { slots: 4, heads: 2, knn: 1 });
    expect(same.head_overlap).toEqual({ jaccard: 1, shared: 1 });
  });

  it('refuses mismatched shapes and slot ids outside the memory', () => {
    const acc = new SlotUsageAccumulator({ slots: 4, heads: 2, knn: 2 });
    expect(() => acc.add([0, 1, 2], [1, 1, 1])).toThrowError(/must both be \[tokens, 2, 2\]/);
    expect(() => acc.add([0, 1, 2, 4], [1, 1, 1, 1])).toThrowError(/slot id 4 is outside 0..3/);
    expect(() => new SlotUsageAccumulator({ slots: 0, heads: 1, knn: 1 })).toThrowError(
      /slots must be a positive integer/,
    );
  });

  it('is fast on 2^18 slots (4 heads, k = 32, 4,096 tokens)', () => {
    const slots = 2 ** 18;
    const heads = 4;
    const knn = 32;
    const tokens = 4096;
    const rand = lcg(5);
    const ids = new Int32Array(tokens * heads * knn);
    const weights = new Float32Array(ids.length);
    for (let i = 0; i < ids.length; i++) {
      ids[i] = Math.floor(rand() ** 2 * slots);
      weights[i] = rand() / knn;
    }
    const started = performance.now();
    const m = memoryMetrics(ids, weights, { slots, heads, knn });
    const ms = performance.now() - started;
    expect(m.slots).toBe(slots);
    expect(m.usage).toBeGreaterThan(0.3);
    expect(m.usage).toBeLessThan(1);
    expect(m.gini_w).toBeGreaterThan(0.3);
    expect(ms).toBeLessThan(3000);
  });
});
