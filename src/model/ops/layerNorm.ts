import * as tf from '@tensorflow/tfjs';
import { CPU_LAYER_NORM_KERNELS } from './cpu/layerNorm';
import { kernelMode } from './kernelMode';
import { LAYER_NORM, LAYER_NORM_GRAD } from './layerNormKernels';
import { hasKernels, registerKernels } from './registerKernels';
import { WASM_LAYER_NORM_KERNELS } from './wasm/layerNorm';
import { WEBGPU_LAYER_NORM_KERNELS } from './webgpu/layerNorm';

/**
 * LayerNorm over the last axis: y = (x − mean)/sqrt(variance + eps)·gamma + beta, x of rank ≥ 2,
 * gamma and beta [d]. The fused op is one kernel forward and one backward (dx, dgamma, dbeta from
 * x, gamma and dy, the row statistics recomputed) where the reference takes ~9 tfjs kernels
 * forward and ~25 in its autodiff backward. The fused kernels sum in another order (cpu and wasm
 * in float64, webgpu in float32 one row per thread), so they match the reference to float32 rounding,
 * not bit for bit.
 */

registerKernels([...CPU_LAYER_NORM_KERNELS, ...WASM_LAYER_NORM_KERNELS, ...WEBGPU_LAYER_NORM_KERNELS]);

/** The plain-op LayerNorm, differentiated by tfjs's autodiff: what the fused op is checked against. */
export function layerNormReference(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return x
    .sub(mean)
    .mul(tf.rsqrt(variance.add(eps)))
    .mul(gamma)
    .add(beta);
}

/** Whether the fused op runs now: kernel mode 'fused' and both kernels on the active backend. */
export function fusedLayerNormAvailable(): boolean {
  if (kernelMode('layerNorm') !== 'fused') return false;
  const backend = tf.getBackend();
  return hasKernels(backend, LAYER_NORM, LAYER_NORM_GRAD);
}

type LayerNormFn = (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor) => tf.Tensor;

// customGrad takes tensors only: one differentiable function per eps (the model uses one).
const fusedByEps = new Map<number, LayerNormFn>();

function fusedFor(eps: number): LayerNormFn {
  let fn = fusedByEps.get(eps);
  if (!fn) {
    const attrs = { eps };
    fn = tf.customGrad((x, gamma, beta, save) => {
      (save as tf.GradSaveFunc)([x as tf.Tensor, gamma as tf.Tensor]);
      const inputs = { x, gamma, beta } as tf.NamedTensorMap;
      const value = tf.engine().runKernel(LAYER_NORM, inputs, attrs) as tf.Tensor;
      const gradFunc = (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [xs, gammas] = saved;
        const gradInputs = { x: xs, gamma: gammas, dy: dy as tf.Tensor };
        return tf.engine().runKernel(LAYER_NORM_GRAD, gradInputs, attrs) as tf.Tensor[];
      };
      return { value, gradFunc };
    }) as LayerNormFn;
    fusedByEps.set(eps, fn);
  }
  return fn;
}

/** The fused op (both kernels must exist on the active backend; see fusedLayerNormAvailable). */
export function fusedLayerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number): tf.Tensor {
  return fusedFor(eps)(x, gamma, beta);
}

/** LayerNorm as the model runs it: the fused op when it can run, else the reference. */
export function layerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number): tf.Tensor {
  return fusedLayerNormAvailable()
    ? fusedLayerNorm(x, gamma, beta, eps)
    : layerNormReference(x, gamma, beta, eps);
}
