import { describe, expect, it } from 'vitest';
import { emptyTextReads, recordRead, slotContexts } from '../../../src/state/slotContexts';

describe('slot contexts', () => {
  it('lists the bytes that read a slot, heaviest first, with text either side', () => {
    const reads = emptyTextReads('Kavo lives in Oslo.', 2, 2);
    expect(slotContexts(reads, 7).contexts).toEqual([]);
    recordRead(reads, 3, [
      { slots: [7, 1], weights: [0.6, 0.4] },
      { slots: [2, 3], weights: [0.5, 0.5] },
    ]);
    recordRead(reads, 13, [
      { slots: [4, 5], weights: [0.7, 0.3] },
      { slots: [7, 8], weights: [0.9, 0.1] },
    ]);
    const found = slotContexts(reads, 7, 8, 5);
    expect(found.count).toBe(2);
    expect(found.weight).toBeCloseTo(1.5, 6);
    expect(found.contexts.map((c) => [c.position, c.head, c.token])).toEqual([
      [13, 1, ' '],
      [3, 0, 'o'],
    ]);
    expect(found.contexts[0].before).toBe('es in');
    expect(found.contexts[0].after).toBe('Oslo.');
    expect(slotContexts(reads, 7, 1).contexts).toHaveLength(1);
  });

  it('ignores positions not read yet', () => {
    const reads = emptyTextReads('abc', 1, 1);
    expect(reads.read).toBe(0);
    expect(slotContexts(reads, -1).count).toBe(0);
  });
});
