import type * as tf from '@tensorflow/tfjs';
import { SUM_SQUARES, sumSquaresInputs } from '../gradNormKernels';
import { type CpuBackendLike, valuesOf } from './backendArrays';

/**
 * The sum of squares on the cpu backend, and the loop the wasm kernel falls back to without
 * SIMD (its SIMD kernel sums in float64 instead: ../wasm/gradNorm.ts). It follows the
 * reference's order exactly: each square rounded to float32 (tfjs's Square), summed over one
 * tensor (tfjs's Sum), the per-tensor sums rounded to float32 and summed in list order (stack +
 * Sum). Only the accumulator's precision differs by backend, as tfjs's own Sum kernels do: the
 * cpu backend's sums in float64 and rounds at the end, the wasm backend's (a C++ float loop) in
 * float32 after each add. So the loop's result equals the reference's bit for bit on both.
 */

export type Accumulator = 'float64' | 'float32';

export function sumOfSquaresLoop(arrays: readonly Float32Array[], accumulator: Accumulator): number {
  const f = Math.fround;
  let total = 0;
  for (const a of arrays) {
    let sum = 0;
    if (accumulator === 'float64') {
      for (let i = 0; i < a.length; i++) sum += f(a[i] * a[i]);
    } else {
      for (let i = 0; i < a.length; i++) sum = f(sum + f(a[i] * a[i]));
    }
    total = accumulator === 'float64' ? total + f(sum) : f(total + f(sum));
  }
  return f(total);
}

const sumSquaresKernel: tf.KernelFunc = ({ inputs, backend }) => {
  const b = backend as unknown as CpuBackendLike;
  const arrays = sumSquaresInputs(inputs).map((t) => valuesOf(b, t, Float32Array, 'sum of squares'));
  return b.makeTensorInfo([], 'float32', Float32Array.of(sumOfSquaresLoop(arrays, 'float64')));
};

export const CPU_GRAD_NORM_KERNELS: tf.KernelConfig[] = [
  { kernelName: SUM_SQUARES, backendName: 'cpu', kernelFunc: sumSquaresKernel },
];
