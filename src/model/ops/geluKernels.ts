import type * as tf from '@tensorflow/tfjs';

/**
 * The kernels of the fused GELU op (src/model/ops/gelu.ts), by name. Each backend folder
 * registers both.
 */

/** inputs {x} (float32, any shape) → gelu(x), same shape. */
export const GELU = 'PkmGelu';

/** inputs {dy, x} (float32, same shape) → dx = dy · gelu'(x). */
export const GELU_GRAD = 'PkmGeluGrad';

/** 0.044715, the cubic coefficient of the tanh approximation. */
export const GELU_CUBIC = 0.044715;

/** 2·sqrt(2/π): gelu(x) = x·σ(GELU_SCALE·(x + GELU_CUBIC·x³)) = 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³))). */
export const GELU_SCALE = 2 * Math.sqrt(2 / Math.PI);

/**
 * Past |x| > GELU_SATURATION the kernels return the limits (x and 0; gradients 1 and 0) instead
 * of evaluating the formula: at x = 10, z ≈ 87.3 and σ(z) is 1 in float32 (so x·σ(z) is x, and the
 * derivative 1, exactly); at x = −10 the formula's value and derivative are below 1e−35. Beyond
 * this, x³ would overflow float32 near |x| ≈ 7e12 and ±Inf would give Inf·0 = NaN.
 */
export const GELU_SATURATION = 10;

/** A named kernel input, checked to be float32; `backend` names the kernel's backend in the error. */
export function geluInput(inputs: tf.NamedTensorInfoMap, name: string, backend: string): tf.TensorInfo {
  const t = inputs[name];
  if (t?.dtype !== 'float32') throw new Error(`${backend} gelu: input ${name} must be a float32 tensor`);
  return t;
}
