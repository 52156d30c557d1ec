import type * as tf from '@tensorflow/tfjs';
import type { MemoryKeys, QueryNorm } from '../config';

/**
 * The contract of one memory module (product or flat keys), shared by the transformer, the
 * trainer, checkpoint I/O, the CLI and the engine. Shapes use N for the number of token states.
 */

/** Shape and behaviour of one memory module, independent of the model around it. */
export interface MemorySpec {
  /** Input width (the model's d_model, or an imported module's query input size). */
  d_in: number;
  heads: number;
  /** |C|, sub-keys per half; the memory has n_keys² slots. */
  n_keys: number;
  /** Query size per head; its halves have k_dim / 2 each. */
  k_dim: number;
  v_dim: number;
  knn: number;
  query_norm: QueryNorm;
  mem_keys: MemoryKeys;
  mem_plus: boolean;
  /** Output width: v_dim, or the memory+ projection's width. */
  d_out: number;
}

/**
 * The module's weights as plain row-major arrays: what checkpoints, XLM import/export and tests
 * exchange. Matrices are stored [in, out] (XLM's Linear weights are [out, in]: transpose on I/O).
 */
export interface MemoryWeights {
  /** [d_in, heads·k_dim] */
  queryW: Float32Array;
  /** [heads·k_dim] */
  queryB: Float32Array;
  /** batchnorm and layernorm: affine scale and shift, [heads·k_dim] (layernorm normalises each half). */
  normGamma?: Float32Array;
  normBeta?: Float32Array;
  /** batchnorm only: running statistics used in evaluation, [heads·k_dim]. */
  runningMean?: Float32Array;
  runningVar?: Float32Array;
  /** product: [heads, 2, n_keys, k_dim/2]; flat: [heads, n_keys², k_dim]. */
  keys: Float32Array;
  /** [n_keys², v_dim] */
  values: Float32Array;
  /** memory+ only: gate [d_in, v_dim] and projection [v_dim, d_out]. */
  gateW?: Float32Array;
  outW?: Float32Array;
}

export type ForwardMode = 'train' | 'eval';

/** The result of reading the memory for N token states. */
export interface MemoryRead {
  /** [N, d_out] */
  output: tf.Tensor2D;
  /** int32 [N, heads, knn]: slot ids i·n_keys + j, each head's k sorted by score, descending. */
  slots: tf.Tensor3D;
  /** [N, heads, knn]: raw scores of the selected slots (before softmax). */
  scores: tf.Tensor3D;
  /** [N, heads, knn]: softmax of `scores` over the k of each head. */
  weights: tf.Tensor3D;
}

/** One head's lookup of one token, every intermediate, for the views (plain arrays). */
export interface HeadTrace {
  /** The head's query before and after normalisation, [k_dim]. */
  query: Float32Array;
  queryNormed: Float32Array;
  /** Product keys only: the two halves of the normalised query, [k_dim/2] each. */
  halves?: [Float32Array, Float32Array];
  /** Product keys: scores against all n_keys sub-keys of each half. Flat keys: one vector over n_keys². */
  subScores: Float32Array[];
  /** Product keys: top-k of each half, sub-key indices and scores, sorted descending. */
  subTop?: [{ indices: Int32Array; scores: Float32Array }, { indices: Int32Array; scores: Float32Array }];
  /** Product keys: the k×k candidate scores, row = rank in half 1, column = rank in half 2. */
  candidates?: Float32Array;
  /** The final top-k, sorted by score descending. */
  slots: Int32Array;
  /** Row (first-half sub-key) and column (second-half sub-key) of each slot: slot = row·n_keys + col. */
  rows: Int32Array;
  cols: Int32Array;
  /** Product keys: rank of each selected slot's row and column among the per-half top-k (indices into candidates). */
  candidateRank?: { row: Int32Array; col: Int32Array };
  scores: Float32Array;
  weights: Float32Array;
  /**
   * The selected slots' value rows, [knn, v_dim] row-major, in slot order: the head's read is
   * Σ_m weights[m]·values[m] (the memory's output sums the heads' reads, before any memory+ gate).
   */
  values: Float32Array;
}

export interface MemoryTrace {
  n_keys: number;
  knn: number;
  mem_keys: MemoryKeys;
  /** The token state entering the memory, [d_in]. */
  input: Float32Array;
  heads: HeadTrace[];
  /** The memory's output for this token, [d_out]. */
  output: Float32Array;
}

/** One memory module with its parameters, forward pass and sparse value training. */
export interface MemoryModule {
  readonly spec: MemorySpec;
  /** Reads the memory. 'train' uses BatchNorm batch statistics and records what the value update needs. */
  forward(x: tf.Tensor2D, mode: ForwardMode): MemoryRead;
  /** Trainable dense variables: query network, norm affine, keys, memory+ weights (not the values). */
  denseVariables(): tf.Variable[];
  /**
   * Variables to differentiate together with the dense ones in a training step: their gradients
   * are those of the value rows read by the last 'train' forward, without a dense table gradient.
   * Their shape depends on N: pass `n` (the N of the coming 'train' forward) to get them before
   * the first forward; without it they are those of the last 'train' forward. A 'train' forward
   * with another N replaces them (the old ones are disposed).
   */
  valueGradientVariables(n?: number): tf.Variable[];
  /**
   * Sparse Adam on the value rows read by the last 'train' forward: duplicate slots' gradients are
   * summed, and only those rows and their Adam moments change. `grads` match valueGradientVariables().
   * `control` is the trainer's device-side [gradScale, apply]: with apply = 0 no row changes (the
   * step counter still advances: see valueStep).
   */
  applyValueGradients(grads: tf.Tensor[], lr: number, control?: tf.Tensor1D): Promise<void>;
  /**
   * Folds the last 'train' forward's BatchNorm batch statistics into the running statistics
   * (unless `control`'s apply is 0, decided on the device).
   */
  commitBatchStatistics(control?: tf.Tensor1D): void;
  /**
   * The value Adam's global step (bias correction). The trainer sets it back when it learns, a
   * step later, that steps it queued were skipped on the device. Optional: a module without it
   * (a benchmark's stand-in) keeps counting skipped steps.
   */
  valueStep?: number;
  /** Every intermediate of the lookup of one token state ([d_in]), in eval mode. */
  trace(x: Float32Array): Promise<MemoryTrace>;
  /** The current weights, read back asynchronously. */
  readWeights(): Promise<MemoryWeights>;
  dispose(): void;
}
