import type * as tf from '@tensorflow/tfjs';
import { kernelInput } from './registerKernels';

/**
 * The kernels of the fused mean cross-entropy (src/model/ops/crossEntropy.ts), by name. Each
 * backend folder registers both. Logits are [N, V] float32, targets [N] int32; a target outside
 * 0..V−1 selects nothing (as the reference's all-zero one-hot row): its row adds 0 to the loss and
 * gets a zero gradient, yet still counts in the mean's N. A row holding NaN or ±Inf gets a NaN
 * logsumexp, so the loss is NaN whatever its target (the trainer's finiteness guard relies on it).
 */

/**
 * inputs {logits [N, V], targets [N]} → [loss [] = (1/N)·Σ_r (lse_r − logits[r, t_r]),
 * stats [N, 2] = per row (max, log Σ_j exp(x_j − max))], so lse = max + logSum. Saving the two
 * halves apart keeps the backward's exp argument (x − max) − logSum precise for large logits.
 */
export const CROSS_ENTROPY = 'PkmCrossEntropy';

/**
 * inputs {dy [], logits [N, V], targets [N], stats [N, 2]} →
 * dLogits [N, V] = dy/N · (softmax(row) − onehot(t_r)), zero in rows whose target is out of range.
 */
export const CROSS_ENTROPY_GRAD = 'PkmCrossEntropyGrad';

export interface CrossEntropySizes {
  rows: number;
  cols: number;
}

function fail(backend: string, message: string): never {
  throw new Error(`${backend} cross entropy: ${message}`);
}

/** A named kernel input of the given dtype; `backend` names the kernel's backend in errors. */
export function crossEntropyInput(
  inputs: tf.NamedTensorInfoMap,
  name: string,
  dtype: 'float32' | 'int32',
  backend: string,
): tf.TensorInfo {
  return kernelInput(inputs, name, `${backend} cross entropy`, dtype);
}

/**
 * Checks logits [N, V ≥ 1], targets [N] and, when given, stats [N, 2] and a scalar dy: the sizes
 * the kernels loop over.
 */
export function crossEntropySizes(
  logits: tf.TensorInfo,
  targets: tf.TensorInfo,
  backend: string,
  stats?: tf.TensorInfo,
  dy?: tf.TensorInfo,
): CrossEntropySizes {
  if (logits.shape.length !== 2 || logits.shape[1] < 1)
    fail(backend, `logits must be [N, V ≥ 1], got [${logits.shape}]`);
  const [rows, cols] = logits.shape;
  if (targets.shape.length !== 1 || targets.shape[0] !== rows)
    fail(backend, `targets must be [${rows}], got [${targets.shape}]`);
  if (stats && (stats.shape.length !== 2 || stats.shape[0] !== rows || stats.shape[1] !== 2))
    fail(backend, `stats must be [${rows}, 2], got [${stats.shape}]`);
  if (dy && dy.shape.length !== 0) fail(backend, `dy must be a scalar, got [${dy.shape}]`);
  return { rows, cols };
}
