import * as tf from '@tensorflow/tfjs';
import { BATCH_NORM, BATCH_NORM_GRAD } from './batchNormKernels';
import { CPU_BATCH_NORM_KERNELS } from './cpu/batchNorm';
import { kernelMode } from './kernelMode';
import { hasKernels, registerKernels } from './registerKernels';
import { WASM_BATCH_NORM_KERNELS } from './wasm/batchNorm';
import { WEBGPU_BATCH_NORM_KERNELS } from './webgpu/batchNorm';

/**
 * Training-mode BatchNorm over rows (the memory's query normalisation, as PyTorch's BatchNorm1d in
 * train): x [N, C] normalised per column by its batch mean and biased variance, then scaled by
 * gamma and shifted by beta. The reference is 9 compute kernels forward and 26 in its autodiff
 * backward (on wasm); the fused op is one kernel each way (the backward recomputes the column statistics
 * from x). The fused kernels compute in float64 (JS numbers on cpu and in wasm's loops, f64x2
 * lanes in its SIMD kernels, bit for bit the same), so they match the float32 reference to float32
 * rounding, not bit for bit, and stay exact where it drifts (a constant column gives y = beta;
 * large offsets lose nothing to a float32 mean).
 *
 * The mean and variance outputs feed only the running statistics: no gradient flows through them
 * (a gradient reaching them is dropped, i.e. taken as zero). The reference's autodiff would carry
 * one, but the model never differentiates through them. N = 1: mean = x, variance 0, y = beta,
 * dx = 0 — what the reference gives too. On WebGPU the kernels compute in float32 (WGSL has no
 * float64; see webgpu/batchNorm.ts): 3 dispatches forward, 5 backward.
 */

registerKernels([...CPU_BATCH_NORM_KERNELS, ...WASM_BATCH_NORM_KERNELS, ...WEBGPU_BATCH_NORM_KERNELS]);

// A module evaluated twice (tests, hot reload) must not register the gradient twice: tfjs warns.
if (!tf.getGradient(BATCH_NORM)) {
  tf.registerGradient({
    kernelName: BATCH_NORM,
    inputsToSave: ['x', 'gamma'],
    gradFunc: (dys, saved, attrs) => {
      // dys: [dy for y, then mean's and variance's (null where unused; dropped either way)].
      const [x, gamma] = saved;
      const dy = (dys as (tf.Tensor | null)[])[0] ?? tf.zerosLike(x);
      // One kernel gives all three, run here: tfjs runs each input's thunk in its own tidy, which
      // would dispose the other two if the first thunk ran it (the backward's tidy frees unused ones).
      const [dx, dgamma, dbeta] = tf
        .engine()
        .runKernel(BATCH_NORM_GRAD, { x, gamma, dy }, attrs) as tf.Tensor[];
      return { x: () => dx, gamma: () => dgamma, beta: () => dbeta };
    },
  });
}

export interface BatchNormResult {
  /** [N, C] normalised, scaled and shifted. */
  y: tf.Tensor2D;
  /** [C] batch mean (no gradient flows through it in the fused op). */
  mean: tf.Tensor1D;
  /** [C] biased batch variance (likewise). */
  variance: tf.Tensor1D;
}

/** The plain-op reference, differentiated by tfjs's autodiff (the memory's query norm as it was). */
export function batchNormRowsReference(
  x: tf.Tensor2D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  eps: number,
): BatchNormResult {
  return tf.tidy(() => {
    const mean = tf.mean(x, 0) as tf.Tensor1D;
    const centered = tf.sub(x, mean);
    const variance = tf.mean(tf.square(centered), 0) as tf.Tensor1D;
    const y = tf.add(tf.mul(tf.mul(centered, tf.rsqrt(tf.add(variance, eps))), gamma), beta) as tf.Tensor2D;
    return { y, mean, variance };
  });
}

/** Whether the fused op runs now: kernel mode 'fused' and both kernels on the active backend. */
export function fusedBatchNormAvailable(): boolean {
  return kernelMode('batchNorm') === 'fused' && hasKernels(tf.getBackend(), BATCH_NORM, BATCH_NORM_GRAD);
}

/** The fused op (both kernels must exist on the active backend; see fusedBatchNormAvailable). */
export function fusedBatchNormRows(
  x: tf.Tensor2D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  eps: number,
): BatchNormResult {
  const [y, mean, variance] = tf.engine().runKernel(BATCH_NORM, { x, gamma, beta }, { eps }) as tf.Tensor[];
  return { y: y as tf.Tensor2D, mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D };
}

/** BatchNorm over rows as the model runs it: the fused op when it can run, else the reference. */
export function batchNormRows(
  x: tf.Tensor2D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  eps: number,
): BatchNormResult {
  return fusedBatchNormAvailable()
    ? fusedBatchNormRows(x, gamma, beta, eps)
    : batchNormRowsReference(x, gamma, beta, eps);
}
