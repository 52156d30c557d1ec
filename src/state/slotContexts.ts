import type { SlotContext } from '../components/SlotInspector';

/**
 * Which bytes of a text read which memory slots: for every byte position, each head's k slot ids
 * and softmax weights ([positions, heads, knn], row-major), as the memory read them with the window
 * ending at that byte. Positions not read yet have slot −1.
 */
export interface TextReads {
  text: string;
  /** The text's UTF-8 bytes (positions index them). */
  bytes: Uint8Array;
  heads: number;
  knn: number;
  slots: Int32Array;
  weights: Float32Array;
  /** Positions read so far (a live scan fills them in order). */
  read: number;
}

export function emptyTextReads(text: string, heads: number, knn: number): TextReads {
  const bytes = new TextEncoder().encode(text);
  return {
    text,
    bytes,
    heads,
    knn,
    slots: new Int32Array(bytes.length * heads * knn).fill(-1),
    weights: new Float32Array(bytes.length * heads * knn),
    read: 0,
  };
}

const decoder = new TextDecoder('utf-8', { fatal: false });

/**
 * The contexts that selected `slot` (heaviest first, at most `limit`), with `width` bytes of text
 * either side, plus how often and how heavily the text read it in total.
 */
export function slotContexts(
  reads: TextReads,
  slot: number,
  limit = 8,
  width = 16,
): { contexts: SlotContext[]; count: number; weight: number } {
  const { heads, knn, slots, weights, bytes } = reads;
  const per = heads * knn;
  const found: { i: number; w: number }[] = [];
  let weight = 0;
  const end = reads.read * per;
  for (let i = 0; i < end; i++) {
    if (slots[i] !== slot) continue;
    found.push({ i, w: weights[i] });
    weight += weights[i];
  }
  found.sort((a, b) => b.w - a.w || a.i - b.i);
  const contexts = found.slice(0, limit).map(({ i, w }) => {
    const position = Math.floor(i / per);
    return {
      position,
      head: Math.floor((i % per) / knn),
      weight: w,
      before: decoder.decode(bytes.subarray(Math.max(0, position - width), position)),
      token: decoder.decode(bytes.subarray(position, position + 1)),
      after: decoder.decode(bytes.subarray(position + 1, position + 1 + width)),
    };
  });
  return { contexts, count: found.length, weight };
}

/** Records one position's read (from a TokenTrace's layer: each head's slots and weights). */
export function recordRead(
  reads: TextReads,
  position: number,
  heads: { slots: ArrayLike<number>; weights: ArrayLike<number> }[],
): void {
  const { knn } = reads;
  const per = reads.heads * knn;
  heads.forEach((h, k) => {
    for (let j = 0; j < knn; j++) {
      reads.slots[position * per + k * knn + j] = h.slots[j];
      reads.weights[position * per + k * knn + j] = h.weights[j];
    }
  });
  reads.read = Math.max(reads.read, position + 1);
}
