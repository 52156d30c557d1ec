import type * as tf from '@tensorflow/tfjs';

/**
 * The kernel of the fused swap of the last two axes (src/model/ops/swapLast.ts), by name. cpu,
 * wasm and WebGPU register it.
 */

/**
 * inputs {x [..., rows, cols]} (float32 or int32, rank ≥ 2) → [..., cols, rows], the leading
 * (batch) axes kept: out[..., c, r] = x[..., r, c]. Elements move as 32-bit words, so the output
 * holds the input's bits (NaN payloads included).
 */
export const SWAP_LAST = 'PkmSwapLast';

/** The dtypes the kernels move: both 32-bit, moved as bits. */
export const SWAP_LAST_DTYPES: readonly tf.DataType[] = ['float32', 'int32'];

export interface SwapLastSizes {
  /** The product of the leading axes (1 for a matrix). */
  batch: number;
  rows: number;
  cols: number;
  /** The output's shape: the input's with its last two axes swapped. */
  shape: number[];
}

/** `shape` with its last two axes swapped. */
export function swappedShape(shape: readonly number[]): number[] {
  const out = shape.slice();
  const n = out.length;
  [out[n - 2], out[n - 1]] = [out[n - 1], out[n - 2]];
  return out;
}

/** The kernel's input, checked (rank ≥ 2, a 32-bit dtype), and its sizes; `backend` names the kernel in errors. */
export function swapLastInput(
  inputs: tf.NamedTensorInfoMap,
  backend: string,
): { x: tf.TensorInfo } & SwapLastSizes {
  const x = inputs.x;
  if (!x || x.shape.length < 2 || !SWAP_LAST_DTYPES.includes(x.dtype))
    throw new Error(`${backend} swapLast: input x must be a float32 or int32 tensor of rank ≥ 2`);
  const n = x.shape.length;
  const batch = x.shape.slice(0, n - 2).reduce((a, b) => a * b, 1);
  return { x, batch, rows: x.shape[n - 2], cols: x.shape[n - 1], shape: swappedShape(x.shape) };
}
