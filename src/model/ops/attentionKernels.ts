import type * as tf from '@tensorflow/tfjs';
import { kernelInput } from './registerKernels';

/**
 * The kernels of the fused causal self-attention core (src/model/ops/attention.ts), by name.
 * qkv is [B, T, 3d]: queries in columns [0, d), keys in [d, 2d), values in [2d, 3d), head h
 * owning columns [h·dh, (h + 1)·dh) of each; the kernels index it in place (no split, no transpose).
 */

/** inputs {qkv [B, T, 3d]}, attrs {heads} → merged heads [B, T, d] (position t attends to ≤ t). */
export const ATTENTION = 'PkmAttention';

/** inputs {dy [B, T, d], qkv [B, T, 3d]}, attrs {heads} → dqkv [B, T, 3d] (probabilities recomputed). */
export const ATTENTION_GRAD = 'PkmAttentionGrad';

export interface AttentionSizes {
  batch: number;
  time: number;
  heads: number;
  /** The head width d/heads. */
  dh: number;
}

function fail(message: string): never {
  throw new Error(`attention kernel: ${message}`);
}

/** A named float32 kernel input. */
export function attentionInput(inputs: tf.NamedTensorInfoMap, name: string): tf.TensorInfo {
  return kernelInput(inputs, name, 'attention kernel');
}

/** Checks qkv [B, T, 3d] with d divisible by heads (and dy [B, T, d] when given). */
export function attentionSizes(
  qkv: tf.TensorInfo,
  dy: tf.TensorInfo | null,
  attrs: tf.NamedAttrMap | undefined,
): AttentionSizes {
  const heads = attrs?.heads;
  if (typeof heads !== 'number' || !Number.isInteger(heads) || heads < 1)
    fail('attribute heads must be an integer ≥ 1');
  if (qkv.shape.length !== 3) fail(`qkv must be [B, T, 3d], got [${qkv.shape}]`);
  const [batch, time, width] = qkv.shape;
  if (width % (3 * heads) !== 0) fail(`qkv's last axis ${width} is not 3·heads·dh (heads ${heads})`);
  const dh = width / (3 * heads);
  if (
    dy &&
    (dy.shape.length !== 3 || dy.shape[0] !== batch || dy.shape[1] !== time || dy.shape[2] !== heads * dh)
  )
    fail(`dy must be [${batch}, ${time}, ${heads * dh}], got [${dy.shape}]`);
  return { batch, time, heads, dh };
}
