import type * as tf from '@tensorflow/tfjs';
import {
  LAYER_NORM,
  LAYER_NORM_GRAD,
  type LayerNormSizes,
  layerNormInput,
  layerNormSizes,
} from '../layerNormKernels';
import { type CpuBackendLike, valuesOf } from './backendArrays';

/**
 * The fused LayerNorm on tfjs's pure-JS cpu backend, and the loops the wasm kernels run too (over
 * views of the wasm heap). Row statistics and every sum accumulate in float64 (JS numbers) and
 * each output is rounded to float32 once, when stored: at least as accurate as the reference's
 * chain of float32 ops, not bit-identical to it. In particular a constant row has mean exactly
 * its value (d·v/d is exact in float64), so it normalises to exactly 0 and y = beta.
 */

/** Mean and 1/sqrt(variance + eps) of x[base .. base + d), two-pass (as tf.moments). */
function rowStats(x: Float32Array, base: number, d: number, eps: number): [number, number] {
  let sum = 0;
  for (let j = 0; j < d; j++) sum += x[base + j];
  const mean = sum / d;
  let squares = 0;
  for (let j = 0; j < d; j++) {
    const c = x[base + j] - mean;
    squares += c * c;
  }
  return [mean, 1 / Math.sqrt(squares / d + eps)];
}

/** y = (x − mean)·rstd·gamma + beta, row by row. */
export function layerNormRows(
  x: Float32Array,
  gamma: Float32Array,
  beta: Float32Array,
  { rows, d, eps }: LayerNormSizes,
  y: Float32Array,
): void {
  // The reference adds eps as a float32 scalar.
  const e = Math.fround(eps);
  for (let r = 0, base = 0; r < rows; r++, base += d) {
    const [mean, rstd] = rowStats(x, base, d, e);
    for (let j = 0; j < d; j++) y[base + j] = (x[base + j] - mean) * rstd * gamma[j] + beta[j];
  }
}

/**
 * With x̂ = (x − mean)·rstd and g = dy·gamma, per row: dx = rstd·(g − mean(g) − x̂·mean(g·x̂));
 * over rows: dgamma = Σ dy·x̂, dbeta = Σ dy.
 */
export function layerNormGradRows(
  x: Float32Array,
  gamma: Float32Array,
  dy: Float32Array,
  { rows, d, eps }: LayerNormSizes,
  dx: Float32Array,
  dgamma: Float32Array,
  dbeta: Float32Array,
): void {
  const e = Math.fround(eps);
  const accGamma = new Float64Array(d);
  const accBeta = new Float64Array(d);
  for (let r = 0, base = 0; r < rows; r++, base += d) {
    const [mean, rstd] = rowStats(x, base, d, e);
    let sumG = 0;
    let sumGX = 0;
    for (let j = 0; j < d; j++) {
      const xhat = (x[base + j] - mean) * rstd;
      const g = dy[base + j] * gamma[j];
      sumG += g;
      sumGX += g * xhat;
      accGamma[j] += dy[base + j] * xhat;
      accBeta[j] += dy[base + j];
    }
    const meanG = sumG / d;
    const meanGX = sumGX / d;
    for (let j = 0; j < d; j++) {
      const xhat = (x[base + j] - mean) * rstd;
      dx[base + j] = rstd * (dy[base + j] * gamma[j] - meanG - xhat * meanGX);
    }
  }
  dgamma.set(accGamma);
  dbeta.set(accBeta);
}

const floats = (b: CpuBackendLike, t: tf.TensorInfo) => valuesOf(b, t, Float32Array, 'layer norm');

const forwardKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const b = backend as unknown as CpuBackendLike;
  const [x, gamma, beta] = ['x', 'gamma', 'beta'].map((name) => layerNormInput(inputs, name));
  const sizes = layerNormSizes(x, [gamma, beta], [], attrs);
  const y = new Float32Array(sizes.rows * sizes.d);
  layerNormRows(floats(b, x), floats(b, gamma), floats(b, beta), sizes, y);
  return b.makeTensorInfo(x.shape, 'float32', y);
};

const gradKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const b = backend as unknown as CpuBackendLike;
  const [x, gamma, dy] = ['x', 'gamma', 'dy'].map((name) => layerNormInput(inputs, name));
  const sizes = layerNormSizes(x, [gamma], [dy], attrs);
  const dx = new Float32Array(sizes.rows * sizes.d);
  const dgamma = new Float32Array(sizes.d);
  const dbeta = new Float32Array(sizes.d);
  layerNormGradRows(floats(b, x), floats(b, gamma), floats(b, dy), sizes, dx, dgamma, dbeta);
  return [
    b.makeTensorInfo(x.shape, 'float32', dx),
    b.makeTensorInfo(gamma.shape, 'float32', dgamma),
    b.makeTensorInfo(gamma.shape, 'float32', dbeta),
  ];
};

export const CPU_LAYER_NORM_KERNELS: tf.KernelConfig[] = [
  { kernelName: LAYER_NORM, backendName: 'cpu', kernelFunc: forwardKernel },
  { kernelName: LAYER_NORM_GRAD, backendName: 'cpu', kernelFunc: gradKernel },
];
