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
 * kernels on heap views. Sums run over a row's entries in order (head-major, then rank), in
 * float32 as the arrays store them. A slot outside the table reads as a zero row (the selection
 * never yields one; this only keeps a bad input from reading out of bounds).
 *
 * Entries go in blocks of eight where every slot of the block is inside the table (the rest one
 * at a time): the block's value rows are read together, so their cache misses (what grows with
 * the table) overlap, and in the forward the output element stays in a register across the
 * block's adds. Each add is still rounded to float32 in entry order, and each dot product still
 * sums its columns in order: the same bits as one entry at a time.
 */

const inside = (slot: number, tableRows: number) => slot >= 0 && slot < tableRows;

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
        // fround after each add: what storing to the float32 output after each entry did.
        let acc = Math.fround(out[o + c] + w0 * values[a0 + c]);
        acc = Math.fround(acc + w1 * values[a1 + c]);
        acc = Math.fround(acc + w2 * values[a2 + c]);
        acc = Math.fround(acc + w3 * values[a3 + c]);
        acc = Math.fround(acc + w4 * values[a4 + c]);
        acc = Math.fround(acc + w5 * values[a5 + c]);
        acc = Math.fround(acc + w6 * values[a6 + c]);
        out[o + c] = acc + w7 * values[a7 + c];
      }
    }
    // The tail, and every entry from the first block with a slot outside the table on.
    for (; j < end; j++) {
      const slot = slots[j];
      if (!inside(slot, tableRows)) continue;
      const w = weights[j];
      const at = slot * vDim;
      for (let c = 0; c < vDim; c++) out[o + c] += w * values[at + c];
    }
  }
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
      const r = j * vDim;
      let d0 = 0;
      let d1 = 0;
      let d2 = 0;
      let d3 = 0;
      let d4 = 0;
      let d5 = 0;
      let d6 = 0;
      let d7 = 0;
      for (let c = 0; c < vDim; c++) {
        const g = dy[o + c];
        d0 += g * values[a0 + c];
        d1 += g * values[a1 + c];
        d2 += g * values[a2 + c];
        d3 += g * values[a3 + c];
        d4 += g * values[a4 + c];
        d5 += g * values[a5 + c];
        d6 += g * values[a6 + c];
        d7 += g * values[a7 + c];
        dRows[r + c] = w0 * g;
        dRows[r + vDim + c] = w1 * g;
        dRows[r + 2 * vDim + c] = w2 * g;
        dRows[r + 3 * vDim + c] = w3 * g;
        dRows[r + 4 * vDim + c] = w4 * g;
        dRows[r + 5 * vDim + c] = w5 * g;
        dRows[r + 6 * vDim + c] = w6 * g;
        dRows[r + 7 * vDim + c] = w7 * g;
      }
      dWeights[j] = d0;
      dWeights[j + 1] = d1;
      dWeights[j + 2] = d2;
      dWeights[j + 3] = d3;
      dWeights[j + 4] = d4;
      dWeights[j + 5] = d5;
      dWeights[j + 6] = d6;
      dWeights[j + 7] = d7;
    }
    for (; j < end; j++) {
      const slot = slots[j];
      const valid = inside(slot, tableRows);
      const at = slot * vDim;
      const w = weights[j];
      const r = j * vDim;
      let dot = 0;
      for (let c = 0; c < vDim; c++) {
        const g = dy[o + c];
        if (valid) dot += g * values[at + c];
        dRows[r + c] = w * g;
      }
      dWeights[j] = dot;
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
