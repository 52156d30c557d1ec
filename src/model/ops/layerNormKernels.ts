import type * as tf from '@tensorflow/tfjs';
import { kernelInput } from './registerKernels';

/**
 * The kernels of the fused LayerNorm op (src/model/ops/layerNorm.ts), by name. Each backend
 * folder registers both. x is of rank ≥ 2 and normalised over its last axis (d); every other
 * axis is a row, so the kernels see x as [rows, d] in row-major order and need no reshape.
 */

/** inputs {x, gamma [d], beta [d]}, attrs {eps} → y, x's shape. */
export const LAYER_NORM = 'PkmLayerNorm';

/**
 * inputs {x, gamma [d], dy (x's shape)}, attrs {eps} → [dx (x's shape), dgamma [d], dbeta [d]].
 * The row statistics are recomputed from x (the forward keeps none).
 */
export const LAYER_NORM_GRAD = 'PkmLayerNormGrad';

export interface LayerNormSizes {
  rows: number;
  d: number;
  eps: number;
}

function fail(message: string): never {
  throw new Error(`layer norm kernel: ${message}`);
}

/** A named kernel input (tfjs types them as possibly missing). */
export function layerNormInput(inputs: tf.NamedTensorInfoMap, name: string): tf.TensorInfo {
  return kernelInput(inputs, name, 'layer norm kernel');
}

/**
 * Checks the shapes (x of rank ≥ 2, each of `perRow` [d], each of `sameAsX` x's shape) and reads
 * eps: rows and d as the kernels loop over them.
 */
export function layerNormSizes(
  x: tf.TensorInfo,
  perRow: tf.TensorInfo[],
  sameAsX: tf.TensorInfo[],
  attrs: tf.NamedAttrMap | undefined,
): LayerNormSizes {
  const eps = attrs?.eps;
  if (typeof eps !== 'number' || !Number.isFinite(eps) || eps < 0)
    fail('attribute eps must be a finite number ≥ 0');
  if (x.shape.length < 2) fail(`x must have rank ≥ 2, got [${x.shape}]`);
  const d = x.shape[x.shape.length - 1];
  const rows = x.shape.slice(0, -1).reduce((a, b) => a * b, 1);
  for (const t of perRow) {
    if (t.shape.length !== 1 || t.shape[0] !== d) fail(`gamma and beta must be [${d}], got [${t.shape}]`);
  }
  for (const t of sameAsX) {
    if (t.shape.length !== x.shape.length || t.shape.some((n, i) => n !== x.shape[i]))
      fail(`dy must have x's shape [${x.shape}], got [${t.shape}]`);
  }
  return { rows, d, eps };
}
