import type * as tf from '@tensorflow/tfjs';
import {
  BATCH_NORM,
  BATCH_NORM_GRAD,
  type BatchNormSizes,
  batchNormInput,
  batchNormSizes,
} from '../batchNormKernels';
import { type CpuBackendLike, valuesOf } from './backendArrays';

/**
 * The fused BatchNorm over rows on tfjs's pure-JS cpu backend, and the loops the wasm kernels run
 * without SIMD (over views of the wasm heap). Everything is float64 (JS numbers), each column's
 * sums taken over the rows in order, and each output rounded to float32 once when stored. The
 * SIMD kernels (wasm/assembly/batchNorm.ts) run the same float64 operations in the same order,
 * one column per f64x2 lane, so the two agree bit for bit. A constant column has mean exactly its
 * value (n·v/n is exact in float64), so it normalises to 0 and y = beta exactly.
 */

/** Per column: mean and 1/sqrt(variance + eps), two-pass; the biased variance into `variance` if given. */
function columnStats(
  x: Float32Array,
  { rows, cols, eps }: BatchNormSizes,
  variance: Float32Array | null,
): { mean: Float64Array; rstd: Float64Array } {
  // The reference adds eps as a float32 scalar.
  const e = Math.fround(eps);
  const mean = new Float64Array(cols);
  const rstd = new Float64Array(cols);
  for (let r = 0, at = 0; r < rows; r++, at += cols) {
    for (let c = 0; c < cols; c++) mean[c] += x[at + c];
  }
  for (let c = 0; c < cols; c++) mean[c] /= rows;
  for (let r = 0, at = 0; r < rows; r++, at += cols) {
    for (let c = 0; c < cols; c++) {
      const d = x[at + c] - mean[c];
      rstd[c] += d * d;
    }
  }
  for (let c = 0; c < cols; c++) {
    const v = rstd[c] / rows;
    if (variance) variance[c] = v;
    rstd[c] = 1 / Math.sqrt(v + e);
  }
  return { mean, rstd };
}

/** y = (x − mean)·rstd·gamma + beta per column; mean and the biased variance out too. */
export function batchNormRowsLoops(
  x: Float32Array,
  gamma: Float32Array,
  beta: Float32Array,
  sizes: BatchNormSizes,
  y: Float32Array,
  meanOut: Float32Array,
  varianceOut: Float32Array,
): void {
  const { rows, cols } = sizes;
  const { mean, rstd } = columnStats(x, sizes, varianceOut);
  meanOut.set(mean);
  for (let r = 0, at = 0; r < rows; r++, at += cols) {
    for (let c = 0; c < cols; c++) y[at + c] = (x[at + c] - mean[c]) * rstd[c] * gamma[c] + beta[c];
  }
}

/**
 * With x̂ = (x − mean)·rstd per column: dbeta = Σ dy, dgamma = Σ dy·x̂ over rows, and
 * dx = gamma·rstd·(dy − mean(dy) − x̂·mean(dy·x̂)).
 */
export function batchNormGradLoops(
  x: Float32Array,
  gamma: Float32Array,
  dy: Float32Array,
  sizes: BatchNormSizes,
  dx: Float32Array,
  dgamma: Float32Array,
  dbeta: Float32Array,
): void {
  const { rows, cols } = sizes;
  const { mean, rstd } = columnStats(x, sizes, null);
  const sumDy = new Float64Array(cols);
  const sumDyX = new Float64Array(cols);
  for (let r = 0, at = 0; r < rows; r++, at += cols) {
    for (let c = 0; c < cols; c++) {
      const g = dy[at + c];
      sumDy[c] += g;
      sumDyX[c] += g * ((x[at + c] - mean[c]) * rstd[c]);
    }
  }
  dgamma.set(sumDyX);
  dbeta.set(sumDy);
  const scale = new Float64Array(cols);
  for (let c = 0; c < cols; c++) {
    scale[c] = gamma[c] * rstd[c];
    sumDy[c] /= rows;
    sumDyX[c] /= rows;
  }
  for (let r = 0, at = 0; r < rows; r++, at += cols) {
    for (let c = 0; c < cols; c++) {
      const xhat = (x[at + c] - mean[c]) * rstd[c];
      dx[at + c] = scale[c] * (dy[at + c] - sumDy[c] - xhat * sumDyX[c]);
    }
  }
}

const floats = (b: CpuBackendLike, t: tf.TensorInfo) => valuesOf(b, t, Float32Array, 'batch norm');

const forwardKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const b = backend as unknown as CpuBackendLike;
  const [x, gamma, beta] = ['x', 'gamma', 'beta'].map((name) => batchNormInput(inputs, name));
  const sizes = batchNormSizes(x, [gamma, beta], [], attrs);
  const y = new Float32Array(sizes.rows * sizes.cols);
  const mean = new Float32Array(sizes.cols);
  const variance = new Float32Array(sizes.cols);
  batchNormRowsLoops(floats(b, x), floats(b, gamma), floats(b, beta), sizes, y, mean, variance);
  return [
    b.makeTensorInfo(x.shape, 'float32', y),
    b.makeTensorInfo(gamma.shape, 'float32', mean),
    b.makeTensorInfo(gamma.shape, 'float32', variance),
  ];
};

const gradKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const b = backend as unknown as CpuBackendLike;
  const [x, gamma, dy] = ['x', 'gamma', 'dy'].map((name) => batchNormInput(inputs, name));
  const sizes = batchNormSizes(x, [gamma], [dy], attrs);
  const dx = new Float32Array(sizes.rows * sizes.cols);
  const dgamma = new Float32Array(sizes.cols);
  const dbeta = new Float32Array(sizes.cols);
  batchNormGradLoops(floats(b, x), floats(b, gamma), floats(b, dy), sizes, dx, dgamma, dbeta);
  return [
    b.makeTensorInfo(x.shape, 'float32', dx),
    b.makeTensorInfo(gamma.shape, 'float32', dgamma),
    b.makeTensorInfo(gamma.shape, 'float32', dbeta),
  ];
};

export const CPU_BATCH_NORM_KERNELS: tf.KernelConfig[] = [
  { kernelName: BATCH_NORM, backendName: 'cpu', kernelFunc: forwardKernel },
  { kernelName: BATCH_NORM_GRAD, backendName: 'cpu', kernelFunc: gradKernel },
];
