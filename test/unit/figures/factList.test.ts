import { describe, expect, it } from 'vitest';
import { recallFactList, shownFact } from '../../../src/app/figures/factList';
import type { FactRead, FactReads } from '../../../src/engine/protocol';

const fact = (index: number, recalled: boolean): FactRead => ({
  index,
  entity: `P${index}`,
  attribute: 'city',
  prompt: `P${index} lives in `,
  answer: 'Oslo',
  greedy: [...new TextEncoder().encode(recalled ? 'Oslo' : 'Lima')],
  greedyText: recalled ? 'Oslo' : 'Lima',
  recalled,
  heads: [
    { slots: [7, 3], weights: [0.6, 0.4] },
    { slots: [9, 7], weights: [0.9, 0.1] },
  ],
});
const reads: FactReads = {
  step: 40,
  layer: 2,
  probes: 300,
  facts: [fact(12, false), fact(5, true), fact(30, true), fact(0, false)],
};

describe('fact list', () => {
  it('puts recalled facts first, each group in corpus order, with every head’s slots', () => {
    const facts = recallFactList(reads);
    expect(facts.map((f) => [f.id, f.recalled])).toEqual([
      [5, true],
      [30, true],
      [0, false],
      [12, false],
    ]);
    expect(facts[2]).toMatchObject({ prompt: 'P0 lives in ', answer: 'Oslo', modelAnswer: 'Lima' });
    expect(facts[0].slots).toEqual([
      { head: 0, slot: 7, weight: 0.6 },
      { head: 0, slot: 3, weight: 0.4 },
      { head: 1, slot: 9, weight: 0.9 },
      { head: 1, slot: 7, weight: 0.1 },
    ]);
  });

  it('shows the picked fact while it is listed, else the first recalled one, else the first', () => {
    const facts = recallFactList(reads);
    expect(shownFact(facts, 12)).toBe(12);
    expect(shownFact(facts, 99)).toBe(5);
    expect(shownFact(facts, null)).toBe(5);
    const none = recallFactList({ ...reads, facts: [fact(3, false), fact(1, false)] });
    expect(shownFact(none, null)).toBe(1);
    expect(shownFact([], null)).toBeNull();
  });
});
