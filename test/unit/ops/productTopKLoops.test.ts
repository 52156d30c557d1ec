import { describe, expect, it } from 'vitest';
import { RandomStream } from '../../../src/model/memory/random';
import { productTopK } from '../../../src/model/ops/cpu/productTopK';

/**
 * The selection loop shared by the cpu kernel and the wasm kernel without SIMD guesses, per
 * block, a floor for each row's scan from the row before; a row it does not fit is redone in
 * full. Whatever the guess, a row's result must be the one it gets alone (first row: no guess)
 * and, without NaN, the brute force over all n² slots: score fl32(a_i + b_j) descending, lower
 * slot first on ties.
 */

const HEADS = 2;

function select(blocks: Float32Array[], rows: number, nKeys: number, knn: number) {
  const slots = new Int32Array(rows * HEADS * knn);
  const scores = new Float32Array(rows * HEADS * knn);
  productTopK(blocks, HEADS, rows, nKeys, knn, slots, scores);
  return { slots, scores };
}

function bruteForce(blocks: Float32Array[], row: number, h: number, nKeys: number, knn: number) {
  const all: [number, number][] = [];
  for (let i = 0; i < nKeys; i++) {
    for (let j = 0; j < nKeys; j++) {
      const score = Math.fround(blocks[h * 2][row * nKeys + i] + blocks[h * 2 + 1][row * nKeys + j]);
      all.push([score, i * nKeys + j]);
    }
  }
  all.sort((x, y) => y[0] - x[0] || x[1] - y[1]);
  return all.slice(0, knn);
}

/** Rows of very different scales, order and ties: guesses too high, too low and about right. */
function makeBlocks(rows: number, nKeys: number, seed: number): Float32Array[] {
  const rng = new RandomStream(seed);
  const scale = [1, 1e-3, 1e3, 1, 0, 1, 5, 5];
  return Array.from({ length: HEADS * 2 }, () => {
    const b = new Float32Array(rows * nKeys);
    for (let r = 0; r < rows; r++) {
      for (let i = 0; i < nKeys; i++) {
        const v = r === 6 ? Math.floor(rng.next() * 3) : (rng.next() * 2 - 1) * scale[r % scale.length];
        b[r * nKeys + i] = r === 7 ? -Math.abs(v) - 10 : v;
      }
    }
    return b;
  });
}

/** Row `row` of a selection over several rows equals the selection of that row alone (slots and scores). */
function expectAsAlone(
  blocks: Float32Array[],
  together: ReturnType<typeof select>,
  row: number,
  nKeys: number,
  knn: number,
): void {
  const alone = select(
    blocks.map((b) => b.slice(row * nKeys, (row + 1) * nKeys)),
    1,
    nKeys,
    knn,
  );
  const at = row * HEADS * knn;
  expect(Array.from(together.slots.subarray(at, at + HEADS * knn))).toEqual(Array.from(alone.slots));
  expect(Array.from(together.scores.subarray(at, at + HEADS * knn))).toEqual(Array.from(alone.scores));
}

describe('product top-k loop (cpu and wasm kernels)', () => {
  it.each([
    [37, 7],
    [64, 8],
    [9, 9],
    [200, 3],
  ])('n_keys %i, knn %i: every row as alone, and as the brute force', (nKeys, knn) => {
    const rows = 8;
    const blocks = makeBlocks(rows, nKeys, nKeys * 31 + knn);
    const together = select(blocks, rows, nKeys, knn);
    for (let row = 0; row < rows; row++) {
      expectAsAlone(blocks, together, row, nKeys, knn);
      const at = row * HEADS * knn;
      for (let h = 0; h < HEADS; h++) {
        const want = bruteForce(blocks, row, h, nKeys, knn);
        const o = at + h * knn;
        expect(Array.from(together.slots.subarray(o, o + knn))).toEqual(want.map((w) => w[1]));
        expect(Array.from(together.scores.subarray(o, o + knn))).toEqual(want.map((w) => w[0]));
      }
    }
  });

  it('a NaN among a row’s first k scores: the row comes out as it does alone', () => {
    const nKeys = 16;
    const knn = 4;
    const blocks = makeBlocks(3, nKeys, 5);
    // Block 0: row 0 is 1/16 … 16/16 (its floor for row 1: 2·13/16 − 1); row 1 the same scores
    // after two below that floor and a NaN, so row 1's floor fits and the NaN is what it meets.
    const ramp = Float32Array.from({ length: nKeys }, (_, i) => (i + 1) / nKeys);
    blocks[0].set(ramp, 0);
    blocks[0].set(ramp, nKeys);
    blocks[0].set([-5, -5, Number.NaN], nKeys);
    blocks[3][2 * nKeys + 9] = Number.NaN;
    const together = select(blocks, 3, nKeys, knn);
    for (const row of [1, 2]) {
      expectAsAlone(blocks, together, row, nKeys, knn);
    }
  });
});
