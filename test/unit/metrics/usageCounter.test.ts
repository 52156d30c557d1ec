import { describe, expect, it } from 'vitest';
import { UsageCounter } from '../../../src/model/metrics/usageCounter';

/** The obvious eager counter: decay multiplies every entry. */
class EagerCounter {
  readonly counts: Float64Array[];
  constructor(
    private readonly slots: number,
    private readonly heads: number,
    private readonly knn: number,
    private readonly rate: number,
  ) {
    this.counts = Array.from({ length: heads }, () => new Float64Array(slots));
  }
  add(ids: ArrayLike<number>, weights?: ArrayLike<number>) {
    for (let i = 0; i < ids.length; i++) {
      const head = Math.floor(i / this.knn) % this.heads;
      this.counts[head][ids[i]] += weights ? weights[i] : 1;
    }
  }
  decay(steps = 1) {
    for (const c of this.counts) for (let s = 0; s < this.slots; s++) c[s] *= this.rate ** steps;
  }
}

function expectClose(got: Float32Array, want: Float64Array) {
  for (let s = 0; s < want.length; s++) {
    expect(Math.abs(got[s] - want[s])).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(want[s])));
  }
}

describe('UsageCounter', () => {
  it('decays lazily yet matches an eager counter, per head and in total', () => {
    const slots = 32;
    const heads = 3;
    const knn = 2;
    let seed = 9;
    const rand = () => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      return seed / 2 ** 32;
    };
    // rate 0.5 forces the stored values to be folded back (scale < 1e-150) several times.
    for (const rate of [1, 0.9, 0.5]) {
      const lazy = new UsageCounter({ slots, heads, knn, rate });
      const eager = new EagerCounter(slots, heads, knn, rate);
      for (let step = 0; step < 1200; step++) {
        const tokens = 1 + Math.floor(rand() * 3);
        const ids = Array.from({ length: tokens * heads * knn }, () => Math.floor(rand() * slots));
        const weights = ids.map(() => rand());
        const withWeights = step % 5 !== 0;
        lazy.add(ids, withWeights ? weights : null);
        eager.add(ids, withWeights ? weights : undefined);
        const steps = step % 7 === 0 ? 3 : 1;
        lazy.decay(steps);
        eager.decay(steps);
      }
      const snap = lazy.snapshot();
      const total = new Float64Array(slots);
      for (let h = 0; h < heads; h++) {
        expectClose(snap.perHead[h], eager.counts[h]);
        for (let s = 0; s < slots; s++) total[s] += eager.counts[h][s];
      }
      expectClose(snap.total, total);
      expect(snap.max).toBeCloseTo(Math.max(...total), 4);
    }
  });

  it('halves a count after one half-life and forgets everything after a huge decay', () => {
    const c = new UsageCounter({ slots: 4, heads: 1, knn: 1, rate: UsageCounter.rateForHalfLife(10) });
    c.add([2], [8]);
    c.decay(10);
    expect(c.snapshot().total[2]).toBeCloseTo(4, 10);
    c.decay(1e6);
    expect(c.snapshot().max).toBe(0);
    c.add([1], [1]);
    expect(Array.from(c.snapshot().total)).toEqual([0, 1, 0, 0]);
    c.reset();
    expect(c.snapshot().max).toBe(0);
  });

  it('refuses bad shapes, slots and rates', () => {
    const c = new UsageCounter({ slots: 4, heads: 2, knn: 1, rate: 0.9 });
    expect(() => c.add([0, 1, 2])).toThrowError(/must be \[tokens, 2, 1\]/);
    expect(() => c.add([0, 9])).toThrowError(/slot id 9 is outside 0..3/);
    expect(() => new UsageCounter({ slots: 4, heads: 1, knn: 1, rate: 1.5 })).toThrowError(
      /rate must be in \(0, 1\]/,
    );
    expect(() => UsageCounter.rateForHalfLife(0)).toThrowError(/half-life must be positive/);
  });
});
