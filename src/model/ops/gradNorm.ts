import * as tf from '@tensorflow/tfjs';
import { CPU_GRAD_NORM_KERNELS } from './cpu/gradNorm';
import { SUM_SQUARES } from './gradNormKernels';
import { kernelMode } from './kernelMode';
import { hasKernels, registerKernels } from './registerKernels';
import { WASM_GRAD_NORM_KERNELS } from './wasm/gradNorm';
import { WEBGPU_GRAD_NORM_KERNELS } from './webgpu/gradNorm';

/**
 * Σ over a list of tensors of the sum of their squares: the squared global norm the trainer clips
 * the gradients by. Fused, it is one kernel (PkmSumSquares) for the whole list where the reference
 * is two per tensor plus a stack and a sum. A NaN or ±Inf anywhere gives NaN or +Inf, as the
 * reference does, so the trainer's finiteness check still sees a bad gradient.
 */

registerKernels([...CPU_GRAD_NORM_KERNELS, ...WASM_GRAD_NORM_KERNELS, ...WEBGPU_GRAD_NORM_KERNELS]);

/** Whether `sumOfSquares` runs the fused kernel now: kernel mode 'fused' and a kernel for the backend. */
export function fusedSumOfSquaresAvailable(): boolean {
  return kernelMode('gradNorm') === 'fused' && hasKernels(tf.getBackend(), SUM_SQUARES);
}

/**
 * The plain-op reference (the trainer's expression before the fused kernel): stack, not addN,
 * since WebGPU's AddN binds every input at once and fails past 7 of them
 * (maxStorageBuffersPerShaderStage); its Concat splits large inputs lists.
 */
export function sumOfSquaresReference(tensors: tf.Tensor[]): tf.Scalar {
  return tf.tidy(() =>
    tensors.length === 0 ? tf.scalar(0) : (tf.stack(tensors.map((g) => g.square().sum())).sum() as tf.Scalar),
  );
}

/** Σ_k Σ_i tensors[k][i]² as a float32 scalar (0 for an empty list). */
export function sumOfSquares(tensors: tf.Tensor[]): tf.Scalar {
  if (tensors.length === 0) return tf.scalar(0);
  if (!fusedSumOfSquaresAvailable() || tensors.some((t) => t.dtype !== 'float32'))
    return sumOfSquaresReference(tensors);
  const inputs = Object.fromEntries(tensors.map((t, i) => [`t${i}`, t]));
  return tf.engine().runKernel(SUM_SQUARES, inputs) as tf.Scalar;
}
