import * as tf from '@tensorflow/tfjs';
import { attentionCore } from './ops/attention';
import { gelu as geluOp } from './ops/gelu';
import { layerNorm as layerNormOp } from './ops/layerNorm';
import { linearRows } from './ops/linear';
import { swapLastAxes } from './ops/swapLast';

/**
 * The transformer's building blocks as plain functions of tensors and variables (no tf.layers),
 * so every variable is owned, named and initialised by the model. Call them inside tf.tidy.
 */

export const LAYER_NORM_EPS = 1e-5;

export interface NormParams {
  gamma: tf.Variable;
  beta: tf.Variable;
}

/** LayerNorm over the last axis (the fused op, or its reference: src/model/ops/layerNorm.ts). */
export function layerNorm(x: tf.Tensor, p: NormParams): tf.Tensor {
  return layerNormOp(x, p.gamma, p.beta, LAYER_NORM_EPS);
}

/** GELU, tanh approximation (tfjs has no GELU op): the fused op or its reference, src/model/ops/gelu.ts. */
export function gelu(x: tf.Tensor): tf.Tensor {
  return geluOp(x);
}

/**
 * a·b (rank 2, or batched rank 3-4 with equal batch axes) whose gradient uses explicit transposes:
 * on wasm a matMul with transposeA/transposeB (what tfjs's own gradient uses) is ~6× slower than
 * transpose + matMul. The transposes are swapLastAxes (src/model/ops/swapLast.ts: a SIMD kernel on
 * wasm, several times faster than tfjs-wasm's Transpose).
 */
export const matMulT = tf.customGrad((a, b, save) => {
  (save as tf.GradSaveFunc)([a as tf.Tensor, b as tf.Tensor]);
  return {
    value: tf.matMul(a as tf.Tensor, b as tf.Tensor),
    gradFunc: (dy, [sa, sb]) => matMulTGrads(dy as tf.Tensor, sa, sb),
  };
}) as <T extends tf.Tensor>(a: T, b: T) => T;

/** The gradient of a·b for dy: [dy·bᵀ, aᵀ·dy], the transposes by swapLastAxes (see matMulT). */
export function matMulTGrads(dy: tf.Tensor, a: tf.Tensor, b: tf.Tensor): [tf.Tensor, tf.Tensor] {
  return [tf.matMul(dy, swapLastAxes(b)), tf.matMul(swapLastAxes(a), dy)];
}

/**
 * onehot·table (an embedding lookup without gather, whose gradient wasm lacks): the gradient
 * goes to the table only. The one-hot is closed over rather than passed in, so the backward
 * builds no zero gradient for it (a [tokens, vocab] fill every step).
 */
export function embedOneHot(onehot: tf.Tensor2D, table: tf.Tensor2D): tf.Tensor2D {
  const lookup = tf.customGrad((t, save) => {
    (save as tf.GradSaveFunc)([onehot]);
    return {
      value: tf.matMul(onehot, t as tf.Tensor2D),
      gradFunc: (dy, saved) => tf.matMul(swapLastAxes(saved[0] as tf.Tensor2D), dy as tf.Tensor2D),
    };
  });
  return lookup(table) as tf.Tensor2D;
}

/** x·W + b for x of any rank ≥ 2 (the last axis is the input); src/model/ops/linear.ts. */
export function linear(x: tf.Tensor, w: tf.Variable, b: tf.Variable): tf.Tensor {
  const shape = x.shape;
  const inDim = shape[shape.length - 1] as number;
  const out = linearRows(x.reshape([-1, inDim]) as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor1D);
  return out.reshape([...shape.slice(0, -1), w.shape[1] as number]);
}

export interface AttentionParams {
  /** [d, 3d]: query, key and value projections side by side. */
  wqkv: tf.Variable;
  bqkv: tf.Variable;
  wo: tf.Variable;
  bo: tf.Variable;
}

/**
 * Causal multi-head self-attention. `mask` is [T, T] with 0 on and below the diagonal and a large
 * negative number above it, so position t attends to positions ≤ t only.
 */
export function causalSelfAttention(
  x: tf.Tensor3D,
  p: AttentionParams,
  heads: number,
  mask: tf.Tensor2D,
): tf.Tensor3D {
  // The core (split into heads, causal softmax attention, merge) is the fused op or its
  // reference, src/model/ops/attention.ts; the fused op needs no mask.
  const merged = attentionCore(linear(x, p.wqkv, p.bqkv) as tf.Tensor3D, heads, mask);
  return linear(merged, p.wo, p.bo) as tf.Tensor3D;
}

export interface FeedForwardParams {
  w1: tf.Variable;
  b1: tf.Variable;
  w2: tf.Variable;
  b2: tf.Variable;
}

export function feedForward(x: tf.Tensor, p: FeedForwardParams): tf.Tensor {
  return linear(gelu(linear(x, p.w1, p.b1)), p.w2, p.b2);
}

/** [T, T] additive causal mask, built on the CPU once. */
export function causalMask(time: number): tf.Tensor2D {
  const values = new Float32Array(time * time);
  for (let i = 0; i < time; i++) for (let j = i + 1; j < time; j++) values[i * time + j] = -1e9;
  return tf.tensor2d(values, [time, time]);
}
