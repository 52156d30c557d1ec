import type * as tf from '@tensorflow/tfjs';
import {
  VALUE_READ,
  VALUE_READ_GRAD,
  type ValueReadSizes,
  valueReadInput,
  valueReadSizes,
} from '../valueReadKernels';
import { type CpuBackendLike, valuesOf } from './backendArrays';

/**
 * The fused memory read as loops over plain arrays, used by the cpu kernels below and by the wasm
 * kernels on heap views where the SIMD kernel (wasm/assembly/valueRead.ts) cannot run. Every
 * operation is a float32 one (Math.fround of an f64 product or sum of float32 inputs is the
 * float32 operation), in an order a float32x4 kernel follows lane for lane, so both give the same
 * bits:
 * - out[n, c] = 0, then for each entry j of row n in order (head-major, then rank):
 *   out[n, c] = fl32(out[n, c] + fl32(w_j · v[slot_j, c]));
 * - dRows[j, c] = fl32(w_j · dy[n, c]);
 * - dWeights[j] = dy[n] · v[slot_j] summed in four float32 lanes by column mod 4, each lane from
 *   0 in column order (l_k = fl32(l_k + fl32(dy·v))), then fl32(fl32(l0 + l1) + fl32(l2 + l3)).
 * A slot outside the table reads as a zero row: it adds nothing and its dWeights is 0 (the
 * selection never yields one; this only keeps a bad input from reading out of bounds).
 *
 * The forward goes through entries in blocks of eight where every slot of the block is inside the
 * table (the rest one at a time): the block's value rows are read together, so their cache misses
 * (what grows with the table) overlap, and the output element stays in a register across the
 * block's adds, which are still made in entry order (measured: 1.4-1.9× faster than one entry at
 * a time). The gradient goes through entries in pairs (pairGrad), whose eight lane sums are
 * independent chains of roundings.
 */

const inside = (slot: number, tableRows: number) => slot >= 0 && slot < tableRows;
const f32 = Math.fround;

function allInside(slots: Int32Array, from: number, count: number, tableRows: number): boolean {
  for (let j = from; j < from + count; j++) if (!inside(slots[j], tableRows)) return false;
  return true;
}

export function weightedRowSum(
  values: Float32Array,
  slots: Int32Array,
  weights: Float32Array,
  { rows, perRow, vDim, tableRows }: ValueReadSizes,
  out: Float32Array,
): void {
  out.fill(0);
  for (let n = 0; n < rows; n++) {
    const o = n * vDim;
    const end = (n + 1) * perRow;
    let j = n * perRow;
    for (; j + 8 <= end; j += 8) {
      if (!allInside(slots, j, 8, tableRows)) break;
      const a0 = slots[j] * vDim;
      const a1 = slots[j + 1] * vDim;
      const a2 = slots[j + 2] * vDim;
      const a3 = slots[j + 3] * vDim;
      const a4 = slots[j + 4] * vDim;
      const a5 = slots[j + 5] * vDim;
      const a6 = slots[j + 6] * vDim;
      const a7 = slots[j + 7] * vDim;
      const w0 = weights[j];
      const w1 = weights[j + 1];
      const w2 = weights[j + 2];
      const w3 = weights[j + 3];
      const w4 = weights[j + 4];
      const w5 = weights[j + 5];
      const w6 = weights[j + 6];
      const w7 = weights[j + 7];
      for (let c = 0; c < vDim; c++) {
        let acc = f32(out[o + c] + f32(w0 * values[a0 + c]));
        acc = f32(acc + f32(w1 * values[a1 + c]));
        acc = f32(acc + f32(w2 * values[a2 + c]));
        acc = f32(acc + f32(w3 * values[a3 + c]));
        acc = f32(acc + f32(w4 * values[a4 + c]));
        acc = f32(acc + f32(w5 * values[a5 + c]));
        acc = f32(acc + f32(w6 * values[a6 + c]));
        out[o + c] = acc + f32(w7 * values[a7 + c]); // the float32 store rounds the last add
      }
    }
    // The tail, and every entry from the first block with a slot outside the table on.
    for (; j < end; j++) {
      const slot = slots[j];
      if (!inside(slot, tableRows)) continue;
      const w = weights[j];
      const at = slot * vDim;
      for (let c = 0; c < vDim; c++) out[o + c] += f32(w * values[at + c]);
    }
  }
}

/**
 * One entry's gradient: dRows[r ..] = w · dy[o ..], and the dot product dy[o ..] · values[at ..]
 * in the four lanes described above (0 for a slot outside the table: at < 0).
 */
function entryGrad(
  dy: Float32Array,
  o: number,
  values: Float32Array,
  at: number,
  w: number,
  dRows: Float32Array,
  r: number,
  vDim: number,
): number {
  for (let c = 0; c < vDim; c++) dRows[r + c] = w * dy[o + c]; // the float32 store rounds
  if (at < 0) return 0;
  const l = [0, 0, 0, 0];
  for (let c = 0; c < vDim; c++) l[c & 3] = f32(l[c & 3] + f32(dy[o + c] * values[at + c]));
  return f32(f32(l[0] + l[1]) + f32(l[2] + l[3]));
}

/**
 * Two entries' gradients in one pass over the columns (values rows at a and b, both inside the
 * table): eight independent float32 sums, where one entry's four would wait on each other's
 * rounding. The columns past the last multiple of four go to lanes 0, 1, 2 as in entryGrad.
 */
function pairGrad(
  dy: Float32Array,
  o: number,
  values: Float32Array,
  a: number,
  b: number,
  wa: number,
  wb: number,
  dRows: Float32Array,
  r: number,
  vDim: number,
  dWeights: Float32Array,
  j: number,
): void {
  let a0 = 0;
  let a1 = 0;
  let a2 = 0;
  let a3 = 0;
  let b0 = 0;
  let b1 = 0;
  let b2 = 0;
  let b3 = 0;
  const rb = r + vDim;
  const whole = vDim & ~3;
  for (let c = 0; c < whole; c += 4) {
    const g0 = dy[o + c];
    const g1 = dy[o + c + 1];
    const g2 = dy[o + c + 2];
    const g3 = dy[o + c + 3];
    a0 = f32(a0 + f32(g0 * values[a + c]));
    a1 = f32(a1 + f32(g1 * values[a + c + 1]));
    a2 = f32(a2 + f32(g2 * values[a + c + 2]));
    a3 = f32(a3 + f32(g3 * values[a + c + 3]));
    b0 = f32(b0 + f32(g0 * values[b + c]));
    b1 = f32(b1 + f32(g1 * values[b + c + 1]));
    b2 = f32(b2 + f32(g2 * values[b + c + 2]));
    b3 = f32(b3 + f32(g3 * values[b + c + 3]));
    dRows[r + c] = wa * g0;
    dRows[r + c + 1] = wa * g1;
    dRows[r + c + 2] = wa * g2;
    dRows[r + c + 3] = wa * g3;
    dRows[rb + c] = wb * g0;
    dRows[rb + c + 1] = wb * g1;
    dRows[rb + c + 2] = wb * g2;
    dRows[rb + c + 3] = wb * g3;
  }
  if (whole < vDim) {
    a0 = f32(a0 + f32(dy[o + whole] * values[a + whole]));
    b0 = f32(b0 + f32(dy[o + whole] * values[b + whole]));
  }
  if (whole + 1 < vDim) {
    a1 = f32(a1 + f32(dy[o + whole + 1] * values[a + whole + 1]));
    b1 = f32(b1 + f32(dy[o + whole + 1] * values[b + whole + 1]));
  }
  if (whole + 2 < vDim) {
    a2 = f32(a2 + f32(dy[o + whole + 2] * values[a + whole + 2]));
    b2 = f32(b2 + f32(dy[o + whole + 2] * values[b + whole + 2]));
  }
  for (let c = whole; c < vDim; c++) {
    dRows[r + c] = wa * dy[o + c];
    dRows[rb + c] = wb * dy[o + c];
  }
  dWeights[j] = f32(f32(a0 + a1) + f32(a2 + a3));
  dWeights[j + 1] = f32(f32(b0 + b1) + f32(b2 + b3));
}

export function weightedRowSumGrad(
  dy: Float32Array,
  values: Float32Array,
  slots: Int32Array,
  weights: Float32Array,
  { rows, perRow, vDim, tableRows }: ValueReadSizes,
  dWeights: Float32Array,
  dRows: Float32Array,
): void {
  const rowAt = (slot: number) => (inside(slot, tableRows) ? slot * vDim : -1);
  for (let n = 0; n < rows; n++) {
    const o = n * vDim;
    const end = (n + 1) * perRow;
    for (let j = n * perRow; j < end; ) {
      const a = rowAt(slots[j]);
      const b = j + 1 < end ? rowAt(slots[j + 1]) : -1;
      if (a >= 0 && b >= 0) {
        pairGrad(dy, o, values, a, b, weights[j], weights[j + 1], dRows, j * vDim, vDim, dWeights, j);
        j += 2;
      } else {
        dWeights[j] = entryGrad(dy, o, values, a, weights[j], dRows, j * vDim, vDim);
        j += 1;
      }
    }
  }
}

const OP = 'value read';

const readKernel: tf.KernelFunc = ({ inputs, backend }) => {
  const b = backend as unknown as CpuBackendLike;
  const [values, slots, weights] = ['values', 'slots', 'weights'].map((n) => valueReadInput(inputs, n));
  const sizes = valueReadSizes(values, slots, weights);
  const out = new Float32Array(sizes.rows * sizes.vDim);
  weightedRowSum(
    valuesOf(b, values, Float32Array, OP),
    valuesOf(b, slots, Int32Array, OP),
    valuesOf(b, weights, Float32Array, OP),
    sizes,
    out,
  );
  return b.makeTensorInfo([sizes.rows, sizes.vDim], 'float32', out);
};

const gradKernel: tf.KernelFunc = ({ inputs, backend }) => {
  const b = backend as unknown as CpuBackendLike;
  const [dy, values, slots, weights] = ['dy', 'values', 'slots', 'weights'].map((n) =>
    valueReadInput(inputs, n),
  );
  const sizes = valueReadSizes(values, slots, weights);
  const dWeights = new Float32Array(sizes.rows * sizes.perRow);
  const dRows = new Float32Array(sizes.rows * sizes.perRow * sizes.vDim);
  weightedRowSumGrad(
    valuesOf(b, dy, Float32Array, OP),
    valuesOf(b, values, Float32Array, OP),
    valuesOf(b, slots, Int32Array, OP),
    valuesOf(b, weights, Float32Array, OP),
    sizes,
    dWeights,
    dRows,
  );
  return [
    b.makeTensorInfo(weights.shape, 'float32', dWeights),
    b.makeTensorInfo([...weights.shape, sizes.vDim], 'float32', dRows),
  ];
};

export const CPU_VALUE_READ_KERNELS: tf.KernelConfig[] = [
  { kernelName: VALUE_READ, backendName: 'cpu', kernelFunc: readKernel },
  { kernelName: VALUE_READ_GRAD, backendName: 'cpu', kernelFunc: gradKernel },
];
