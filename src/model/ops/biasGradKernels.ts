import type * as tf from '@tensorflow/tfjs';

/** The kernel of the fused bias gradient (src/model/ops/linear.ts), by name. */

/** inputs {dy [rows, cols]} (float32) → Σ over rows of dy, [cols]: a linear layer's bias gradient. */
export const BIAS_GRAD = 'PkmBiasGrad';

/** The kernel's input, checked to be a float32 matrix; `backend` names the kernel in the error. */
export function biasGradInput(
  inputs: tf.NamedTensorInfoMap,
  backend: string,
): { dy: tf.TensorInfo; rows: number; cols: number } {
  const dy = inputs.dy;
  if (dy?.dtype !== 'float32' || dy.shape.length !== 2)
    throw new Error(`${backend} bias gradient: input dy must be a float32 [rows, cols] tensor`);
  return { dy, rows: dy.shape[0], cols: dy.shape[1] };
}
