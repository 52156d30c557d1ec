import { describe, expect, it } from 'vitest';
import { RandomStream } from '../../../src/model/memory/random';
import { weightedRowSum, weightedRowSumGrad } from '../../../src/model/ops/cpu/valueRead';
import type { ValueReadSizes } from '../../../src/model/ops/valueReadKernels';

/**
 * The read's loops (shared by the cpu and wasm kernels, and the arithmetic the wasm SIMD kernel
 * reproduces) go through entries in blocks and columns in lanes; these checks hold them to the
 * bits of the plain one-entry-at-a-time loops written out below: the output accumulated in a
 * float32 array entry by entry, each product rounded to float32 before its add; each dot product
 * summed in four float32 partial sums, column c going to sum c mod 4, combined pairwise at the end.
 * Entries per row from 1 to 19 cover whole blocks, tails and their mix; slots outside the table
 * fall inside blocks, at their ends and in tails; v_dim 9 and 8 cover lanes of unequal and equal
 * lengths.
 */

function oneAtATime(
  values: Float32Array,
  slots: Int32Array,
  weights: Float32Array,
  dy: Float32Array,
  { rows, perRow, vDim, tableRows }: ValueReadSizes,
) {
  const out = new Float32Array(rows * vDim);
  const dWeights = new Float32Array(rows * perRow);
  const dRows = new Float32Array(rows * perRow * vDim);
  const product = new Float32Array(1);
  for (let j = 0; j < rows * perRow; j++) {
    const n = Math.floor(j / perRow);
    const valid = slots[j] >= 0 && slots[j] < tableRows;
    const lanes = new Float32Array(4);
    for (let c = 0; c < vDim; c++) {
      const g = dy[n * vDim + c];
      if (valid) {
        product[0] = weights[j] * values[slots[j] * vDim + c];
        out[n * vDim + c] += product[0];
        product[0] = g * values[slots[j] * vDim + c];
        lanes[c % 4] += product[0];
      }
      dRows[j * vDim + c] = weights[j] * g;
    }
    const pairs = Float32Array.of(lanes[0] + lanes[1], lanes[2] + lanes[3]);
    dWeights[j] = pairs[0] + pairs[1];
  }
  return { out, dWeights, dRows };
}

function sameBits(got: Float32Array, want: Float32Array): boolean {
  const a = new Uint32Array(got.buffer, got.byteOffset, got.length);
  const b = new Uint32Array(want.buffer, want.byteOffset, want.length);
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

describe('value read loops (cpu and wasm kernels)', () => {
  const PER_ROW = Array.from({ length: 19 }, (_, i) => i + 1);
  it.each([9, 8].flatMap((vDim) => PER_ROW.map((perRow) => [perRow, vDim])))(
    '%i entries per row, v_dim %i: output and gradients bit for bit as one entry at a time',
    (perRow, vDim) => {
      const rng = new RandomStream(perRow, vDim);
      const sizes: ValueReadSizes = { rows: 6, perRow, vDim, tableRows: 23 };
      const entries = sizes.rows * perRow;
      const values = rng.fillUniform(new Float32Array(sizes.tableRows * sizes.vDim), 3);
      // Values of very different magnitudes, so that a changed order of adds changes the bits.
      for (let i = 0; i < values.length; i += 5) values[i] *= 1e4;
      const weights = Float32Array.from({ length: entries }, () => rng.next());
      const dy = rng.fillUniform(new Float32Array(sizes.rows * sizes.vDim), 2);
      const slots = Int32Array.from({ length: entries }, () => Math.floor(rng.next() * sizes.tableRows));
      // Outside the table: in the second row's first block, at the last entry, and every 11th.
      for (const at of [perRow + 1, entries - 1]) slots[at] = at % 2 ? -1 : sizes.tableRows;
      for (let at = 3; at < entries; at += 11) slots[at] = sizes.tableRows + at;
      const want = oneAtATime(values, slots, weights, dy, sizes);
      const out = new Float32Array(sizes.rows * sizes.vDim).fill(Number.NaN);
      const dWeights = new Float32Array(entries);
      const dRows = new Float32Array(entries * sizes.vDim);
      weightedRowSum(values, slots, weights, sizes, out);
      weightedRowSumGrad(dy, values, slots, weights, sizes, dWeights, dRows);
      expect(sameBits(out, want.out)).toBe(true);
      expect(sameBits(dWeights, want.dWeights)).toBe(true);
      expect(sameBits(dRows, want.dRows)).toBe(true);
    },
  );
});
