import { describe, expect, it } from 'vitest';
import {
  appendLosses,
  EMPTY_LOSS_HISTORY,
  lastLoss,
  lossSeries,
  truncateLosses,
} from '../../../src/state/lossHistory';

describe('loss history', () => {
  it('appends every step from snapshots and grows past its first capacity', () => {
    let h = EMPTY_LOSS_HISTORY;
    for (let start = 1; start <= 1000; start += 10) {
      h = appendLosses(
        h,
        start,
        Float32Array.from({ length: 10 }, (_, i) => start + i),
      );
    }
    const { steps, loss } = lossSeries(h);
    expect(steps.length).toBe(1000);
    expect(steps[0]).toBe(1);
    expect(steps[999]).toBe(1000);
    expect(Array.from(loss.subarray(995))).toEqual([996, 997, 998, 999, 1000]);
    expect(lastLoss(h)).toBe(1000);
  });

  it('keeps older views intact and replaces replayed steps (a restart restored an older step)', () => {
    const a = appendLosses(EMPTY_LOSS_HISTORY, 1, [5, 4, 3, 2]);
    const before = lossSeries(a);
    const b = appendLosses(a, 3, [9, 8, 7]);
    expect(Array.from(lossSeries(b).steps)).toEqual([1, 2, 3, 4, 5]);
    expect(Array.from(lossSeries(b).loss)).toEqual([5, 4, 9, 8, 7]);
    // The old view still shows what it showed.
    expect(Array.from(before.loss)).toEqual([5, 4, 3, 2]);
    expect(appendLosses(b, 6, [])).toBe(b);
  });

  it('truncates to a step and reports no loss when empty', () => {
    const a = appendLosses(EMPTY_LOSS_HISTORY, 1, [3, 2, 1]);
    expect(Array.from(lossSeries(truncateLosses(a, 2)).loss)).toEqual([3, 2]);
    expect(truncateLosses(a, 10)).toBe(a);
    expect(lastLoss(truncateLosses(a, 0))).toBeNull();
  });
});
