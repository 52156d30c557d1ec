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
 */

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
    for (let j = n * perRow; j < (n + 1) * perRow; j++) {
      const slot = slots[j];
      if (!(slot >= 0 && slot < tableRows)) continue;
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
    for (let j = n * perRow; j < (n + 1) * perRow; j++) {
      const slot = slots[j];
      const valid = slot >= 0 && slot < tableRows;
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
