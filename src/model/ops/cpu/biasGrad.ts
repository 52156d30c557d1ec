import type * as tf from '@tensorflow/tfjs';
import { BIAS_GRAD, biasGradInput } from '../biasGradKernels';
import { type CpuBackendLike, valuesOf } from './backendArrays';

/**
 * The bias gradient on tfjs's cpu backend: column sums, rows in order, in float64 (JS numbers) and
 * rounded once, which is what tfjs-cpu's Sum over axis 0 computes (it transposes, then sums each
 * column the same way), so the two agree bit for bit without the transpose.
 */
export function columnSums(dy: Float32Array, rows: number, cols: number, out: Float32Array): void {
  const acc = new Float64Array(cols);
  for (let r = 0, at = 0; r < rows; r++, at += cols) {
    for (let c = 0; c < cols; c++) acc[c] += dy[at + c];
  }
  out.set(acc);
}

const kernel: tf.KernelFunc = ({ inputs, backend }) => {
  const b = backend as unknown as CpuBackendLike;
  const { dy, rows, cols } = biasGradInput(inputs, 'cpu');
  const out = new Float32Array(cols);
  columnSums(valuesOf(b, dy, Float32Array, 'bias gradient'), rows, cols, out);
  return b.makeTensorInfo([cols], 'float32', out);
};

export const CPU_BIAS_GRAD_KERNELS: tf.KernelConfig[] = [
  { kernelName: BIAS_GRAD, backendName: 'cpu', kernelFunc: kernel },
];
