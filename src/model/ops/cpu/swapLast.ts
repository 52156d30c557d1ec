import type * as tf from '@tensorflow/tfjs';
import { SWAP_LAST, swapLastInput } from '../swapLastKernels';
import { type CpuBackendLike, valuesOf } from './backendArrays';

/**
 * The swap of the last two axes on tfjs's cpu backend, and the loops the wasm kernel runs where
 * WebAssembly SIMD is missing. tfjs-cpu's Transpose maps every element's index through arrays it
 * allocates per element; these loops go down strips of 16 columns (as the SIMD kernel: each strip
 * writes 16 rows of the output front to back, which keeps power-of-two strides from evicting
 * lines before they are filled) and move 32-bit words through Int32Array views, so float32 bits,
 * NaN payloads included, arrive unchanged.
 */

const STRIP = 16;
const OP = 'swapLast';

/** 32-bit words of a float32 or int32 array (the same memory). */
export function wordsOf(a: Float32Array | Int32Array): Int32Array {
  return a instanceof Int32Array ? a : new Int32Array(a.buffer, a.byteOffset, a.length);
}

/** out[b, c, r] = x[b, r, c] for `batch` matrices of rows × cols (x and out must not overlap). */
export function swapLastLoop(
  x: Int32Array,
  out: Int32Array,
  batch: number,
  rows: number,
  cols: number,
): void {
  const size = rows * cols;
  if (rows === 1 || cols === 1) {
    // The same order in memory: a copy.
    out.set(x.subarray(0, batch * size));
    return;
  }
  for (let base = 0; base < batch * size; base += size) {
    for (let c0 = 0; c0 < cols; c0 += STRIP) {
      const c1 = Math.min(cols, c0 + STRIP);
      for (let r = 0; r < rows; r++) {
        let from = base + r * cols + c0;
        let to = base + c0 * rows + r;
        for (let c = c0; c < c1; c++, from++, to += rows) out[to] = x[from];
      }
    }
  }
}

const kernel: tf.KernelFunc = ({ inputs, backend }) => {
  const b = backend as unknown as CpuBackendLike;
  const { x, batch, rows, cols, shape } = swapLastInput(inputs, 'cpu');
  const values = x.dtype === 'int32' ? valuesOf(b, x, Int32Array, OP) : valuesOf(b, x, Float32Array, OP);
  const out = x.dtype === 'int32' ? new Int32Array(values.length) : new Float32Array(values.length);
  swapLastLoop(wordsOf(values), wordsOf(out), batch, rows, cols);
  return b.makeTensorInfo(shape, x.dtype, out);
};

export const CPU_SWAP_LAST_KERNELS: tf.KernelConfig[] = [
  { kernelName: SWAP_LAST, backendName: 'cpu', kernelFunc: kernel },
];
