import type * as tf from '@tensorflow/tfjs';
import { kernelInput } from './registerKernels';

/**
 * The kernels of the fused BatchNorm over rows (src/model/ops/batchNorm.ts), by name. x is
 * [rows, cols]; each column is normalised by its statistics over the rows (training mode).
 */

/**
 * inputs {x [rows, cols], gamma [cols], beta [cols]}, attrs {eps} →
 * [y [rows, cols], mean [cols], variance [cols] (biased: the sum of squares over rows)].
 */
export const BATCH_NORM = 'PkmBatchNorm';

/**
 * inputs {x, gamma [cols], dy (x's shape)}, attrs {eps} → [dx (x's shape), dgamma [cols], dbeta [cols]].
 * The column statistics are recomputed from x in float64 (the forward's outputs are float32).
 */
export const BATCH_NORM_GRAD = 'PkmBatchNormGrad';

export interface BatchNormSizes {
  rows: number;
  cols: number;
  eps: number;
}

function fail(message: string): never {
  throw new Error(`batch norm kernel: ${message}`);
}

/** A named float32 kernel input (tfjs types them as possibly missing). */
export function batchNormInput(inputs: tf.NamedTensorInfoMap, name: string): tf.TensorInfo {
  return kernelInput(inputs, name, 'batch norm kernel');
}

/** Checks the shapes (x [rows, cols], each of `perCol` [cols], each of `sameAsX` x's shape) and reads eps. */
export function batchNormSizes(
  x: tf.TensorInfo,
  perCol: tf.TensorInfo[],
  sameAsX: tf.TensorInfo[],
  attrs: tf.NamedAttrMap | undefined,
): BatchNormSizes {
  const eps = attrs?.eps;
  if (typeof eps !== 'number' || !Number.isFinite(eps) || eps < 0)
    fail('attribute eps must be a finite number ≥ 0');
  if (x.shape.length !== 2) fail(`x must be [rows, cols], got [${x.shape}]`);
  const [rows, cols] = x.shape;
  if (rows < 1) fail('x needs at least one row');
  for (const t of perCol) {
    if (t.shape.length !== 1 || t.shape[0] !== cols)
      fail(`gamma and beta must be [${cols}], got [${t.shape}]`);
  }
  for (const t of sameAsX) {
    if (t.shape.length !== 2 || t.shape[0] !== rows || t.shape[1] !== cols)
      fail(`dy must have x's shape [${x.shape}], got [${t.shape}]`);
  }
  return { rows, cols, eps };
}
