import * as tf from '@tensorflow/tfjs';
import { batchNormRows } from '../ops/batchNorm';
import { linearRows } from '../ops/linear';
import type { ForwardMode, MemorySpec } from './types';

/** PyTorch's BatchNorm1d and LayerNorm defaults. */
export const NORM_EPS = 1e-5;
export const BN_MOMENTUM = 0.1;

export interface QueryParams {
  queryW: tf.Variable;
  queryB: tf.Variable;
  normGamma?: tf.Variable;
  normBeta?: tf.Variable;
  runningMean?: tf.Tensor;
  runningVar?: tf.Tensor;
}

export interface QueryResult {
  /** [N, heads·k_dim] before normalisation. */
  query: tf.Tensor2D;
  /** [N, heads·k_dim] after normalisation (the query the keys are scored against). */
  normed: tf.Tensor2D;
  /** batchnorm in 'train' only: batch mean and unbiased batch variance, for the running statistics. */
  batchMean?: tf.Tensor1D;
  batchVarUnbiased?: tf.Tensor1D;
}

/**
 * The query network: x·W + b, then the query normalisation. BatchNorm follows PyTorch's
 * BatchNorm1d: batch statistics (biased variance) in 'train', running statistics in 'eval'.
 * LayerNorm normalises each head's two halves separately (each half is scored on its own).
 */
export function projectQuery(
  x: tf.Tensor2D,
  p: QueryParams,
  spec: MemorySpec,
  mode: ForwardMode,
): QueryResult {
  // linearRows: matMulT (its gradient swaps x and W explicitly; tfjs's own transposed matMuls are
  // ~7× slower on wasm, ~1.6 ms each at [512, 64]·[64, 64]) and the fused bias gradient.
  const query = linearRows(x, p.queryW as tf.Tensor2D, p.queryB as tf.Tensor1D);
  if (spec.query_norm === 'none') return { query, normed: query };
  const gamma = p.normGamma!;
  const beta = p.normBeta!;
  if (spec.query_norm === 'layernorm') {
    const n = x.shape[0];
    const halves = tf.reshape(query, [n, spec.heads * 2, spec.k_dim / 2]);
    const { mean, variance } = tf.moments(halves, 2, true);
    const unit = tf.mul(tf.sub(halves, mean), tf.rsqrt(tf.add(variance, NORM_EPS)));
    const normed = tf.add(tf.mul(tf.reshape(unit, query.shape), gamma), beta) as tf.Tensor2D;
    return { query, normed };
  }
  if (mode === 'eval') {
    const scale = tf.mul(tf.rsqrt(tf.add(p.runningVar!, NORM_EPS)), gamma);
    const normed = tf.add(tf.mul(tf.sub(query, p.runningMean!), scale), beta) as tf.Tensor2D;
    return { query, normed };
  }
  // The fused op (one kernel each way) where it runs, else the plain ops; see ops/batchNorm.ts.
  const n = x.shape[0];
  const {
    y: normed,
    mean,
    variance,
  } = batchNormRows(query, gamma as tf.Tensor1D, beta as tf.Tensor1D, NORM_EPS);
  return { query, normed, batchMean: mean, batchVarUnbiased: tf.mul(variance, n / (n - 1)) as tf.Tensor1D };
}
