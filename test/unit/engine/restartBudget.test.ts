import { describe, expect, it } from 'vitest';
import { backoffMs, RestartBudget } from '../../../src/engine/restartBudget';

describe('RestartBudget', () => {
  it('allows a number of restarts per five minutes, and again once old ones leave the window', () => {
    const budget = new RestartBudget();
    expect([0, 1_000, 2_000].map((t) => budget.take(t, 3))).toEqual([true, true, true]);
    expect(budget.take(3_000, 3)).toBe(false);
    // The first restart (t = 0) falls out of the window at five minutes.
    expect(budget.take(5 * 60_000 - 1, 3)).toBe(false);
    expect(budget.take(5 * 60_000, 3)).toBe(true);
    expect(budget.take(5 * 60_000 + 1, 3)).toBe(false);
  });

  it('forgets earlier restarts when cleared', () => {
    const budget = new RestartBudget();
    expect(budget.take(0, 1)).toBe(true);
    expect(budget.take(10, 1)).toBe(false);
    budget.clear();
    expect(budget.take(20, 1)).toBe(true);
  });

  it('doubles the wait between tries up to 8 s', () => {
    expect([1, 2, 3, 4, 5, 6].map(backoffMs)).toEqual([500, 1_000, 2_000, 4_000, 8_000, 8_000]);
  });
});
