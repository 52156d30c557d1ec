import * as tf from '@tensorflow/tfjs';
import { swapLastLoop, wordsOf } from '../cpu/swapLast';
import { SWAP_LAST, swapLastInput } from '../swapLastKernels';
import { heapView, isWasmBackend, type WasmBackendLike } from './heap';
import { wasmSimd } from './simd';

/**
 * The swap of the last two axes on tfjs's wasm backend: the SIMD kernel of ./assembly/swapLast.ts
 * on the tensors in place (4×4 blocks transposed by shuffles), or where WebAssembly SIMD is missing
 * the cpu kernel's tiled loops over views of the wasm heap. tfjs-wasm's own Transpose computes
 * every element's index in general form, ~3 ns an element at the model's power-of-two shapes. The
 * output is allocated first and the views taken after it.
 */

/**
 * Whether the active backend is wasm with the SIMD kernel. Without it the model keeps
 * tf.transpose: the JS loops only tie with tfjs-wasm's C++ loops at power-of-two shapes (~70 µs
 * both at 512 × 64) and are 2–4× slower at others (64 × 192: 26 µs against 10).
 */
export function simdSwapLastAvailable(): boolean {
  const backend = tf.backend();
  return isWasmBackend(backend) && wasmSimd(backend) !== null;
}

const kernel: tf.KernelFunc = ({ inputs, backend }) => {
  const b = backend as unknown as WasmBackendLike;
  const { x, batch, rows, cols, shape } = swapLastInput(inputs, 'wasm');
  const out = b.makeOutput(shape, x.dtype);
  if (batch * rows * cols === 0) return out;
  const simd = wasmSimd(b);
  if (simd) simd.run.swapLast(simd.at(x), simd.at(out), batch, rows, cols);
  else {
    const type = x.dtype === 'int32' ? Int32Array : Float32Array;
    const view = (t: tf.TensorInfo) => wordsOf(heapView<Float32Array | Int32Array>(b, t, type, 'swapLast'));
    swapLastLoop(view(x), view(out), batch, rows, cols);
  }
  return out;
};

export const WASM_SWAP_LAST_KERNELS: tf.KernelConfig[] = [
  { kernelName: SWAP_LAST, backendName: 'wasm', kernelFunc: kernel },
];
