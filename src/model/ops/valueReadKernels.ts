import type * as tf from '@tensorflow/tfjs';

/**
 * The kernels of the fused memory read (src/model/ops/valueRead.ts), by name. Each backend folder
 * registers both.
 */

/**
 * inputs {values [slots, v_dim], slots int32 [N, heads, knn], weights [N, heads, knn]}
 * → [N, v_dim]: every row's weighted sum of the value rows it selected, over all heads.
 */
export const VALUE_READ = 'PkmValueRead';

/**
 * inputs {dy [N, v_dim], values, slots, weights} → [dWeights [N, heads, knn], dRows
 * [N, heads, knn, v_dim]]: the gradient of the selection weights, and of each row read (the
 * memory's value gradient, applied sparsely; the table itself gets none).
 */
export const VALUE_READ_GRAD = 'PkmValueReadGrad';

/** N, entries per row (heads·knn), v_dim and the table's row count, checked against each other. */
export interface ValueReadSizes {
  rows: number;
  perRow: number;
  vDim: number;
  tableRows: number;
}

export function valueReadSizes(
  values: tf.TensorInfo,
  slots: tf.TensorInfo,
  weights: tf.TensorInfo,
): ValueReadSizes {
  if (values.shape.length !== 2)
    throw new Error(`value read: values must be [slots, v_dim], got [${values.shape}]`);
  if (slots.shape.length !== 3 || slots.dtype !== 'int32')
    throw new Error(`value read: slots must be int32 [N, heads, knn], got ${slots.dtype} [${slots.shape}]`);
  if (weights.shape.join() !== slots.shape.join())
    throw new Error(`value read: weights [${weights.shape}] must match slots [${slots.shape}]`);
  const [rows, heads, knn] = slots.shape;
  return { rows, perRow: heads * knn, vDim: values.shape[1], tableRows: values.shape[0] };
}

/** A named kernel input (tfjs types them as possibly missing). */
export function valueReadInput(inputs: tf.NamedTensorInfoMap, name: string): tf.TensorInfo {
  const t = inputs[name];
  if (!t) throw new Error(`value read kernel: missing input ${name}`);
  return t;
}
