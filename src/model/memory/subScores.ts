import * as tf from '@tensorflow/tfjs';
import { swapLastAxes } from '../ops/swapLast';
import type { MemorySpec } from './types';

/** Sub-key and flat-key scoring, shared by the reference selection (select.ts) and the fused op. */

/**
 * Scores of a batch of query blocks against key blocks: a [B, N, d] · table[b]ᵀ → [B, N, rows].
 * On wasm as separate 2D matMuls against transposed keys: tfjs-wasm runs those through XNNPACK,
 * ~15× faster here than its BatchMatMul with a small inner size. Elsewhere one batched matMul
 * (a single dispatch on WebGPU).
 */
export function blockScores(a: tf.Tensor3D, table: tf.Tensor3D): tf.Tensor3D {
  if (tf.getBackend() !== 'wasm') return tf.matMul(a, table, false, true);
  return tf.stack(blockScoreList(a, table)) as tf.Tensor3D;
}

/** The wasm form of blockScores, unstacked: one [N, rows] 2D matMul result per block. */
export function blockScoreList(a: tf.Tensor3D, table: tf.Tensor3D): tf.Tensor2D[] {
  const keysT = tf.unstack(swapLastAxes(table)) as tf.Tensor2D[];
  return (tf.unstack(a) as tf.Tensor2D[]).map((ai, i) => tf.matMul(ai, keysT[i]));
}

/** [N, heads·k_dim] → [heads·2, N, k_dim/2]: one row block per (head, half). */
export function splitHalves(qn: tf.Tensor2D, spec: MemorySpec): tf.Tensor3D {
  const n = qn.shape[0];
  return tf.transpose(tf.reshape(qn, [n, spec.heads * 2, spec.k_dim / 2]), [1, 0, 2]);
}

export function productSubScores(qn: tf.Tensor2D, keys: tf.Tensor, spec: MemorySpec): tf.Tensor3D {
  const table = tf.reshape(keys, [spec.heads * 2, spec.n_keys, spec.k_dim / 2]) as tf.Tensor3D;
  return blockScores(splitHalves(qn, spec), table);
}

/** productSubScores as a list of [N, n_keys] blocks (row h·2 + half), without the stack copy. */
export function productSubScoreBlocks(qn: tf.Tensor2D, keys: tf.Tensor, spec: MemorySpec): tf.Tensor2D[] {
  const table = tf.reshape(keys, [spec.heads * 2, spec.n_keys, spec.k_dim / 2]) as tf.Tensor3D;
  return blockScoreList(splitHalves(qn, spec), table);
}
