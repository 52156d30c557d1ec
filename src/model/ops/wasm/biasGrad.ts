import type * as tf from '@tensorflow/tfjs';
import { BIAS_GRAD, biasGradInput } from '../biasGradKernels';
import { heapView, type WasmBackendLike } from './heap';
import { wasmSimd } from './simd';

/**
 * The bias gradient on tfjs's wasm backend: float32 column sums, rows in order, as tfjs-wasm's Sum
 * over axis 0 (bit for bit) but without its transpose of dy: the SIMD kernel of
 * ./assembly/biasGrad.ts, or the same float32 sums in JS where SIMD is missing.
 */

function columnSumsFloat32(dy: Float32Array, rows: number, cols: number, out: Float32Array): void {
  out.fill(0);
  for (let r = 0, at = 0; r < rows; r++, at += cols) {
    for (let c = 0; c < cols; c++) out[c] += dy[at + c];
  }
}

const kernel: tf.KernelFunc = ({ inputs, backend }) => {
  const b = backend as unknown as WasmBackendLike;
  const { dy, rows, cols } = biasGradInput(inputs, 'wasm');
  const out = b.makeOutput([cols], 'float32');
  const simd = wasmSimd(b);
  if (simd) simd.run.biasGrad(simd.at(dy), simd.at(out), rows, cols);
  else {
    const view = (t: tf.TensorInfo) => heapView(b, t, Float32Array, 'bias gradient');
    columnSumsFloat32(view(dy), rows, cols, view(out));
  }
  return out;
};

export const WASM_BIAS_GRAD_KERNELS: tf.KernelConfig[] = [
  { kernelName: BIAS_GRAD, backendName: 'wasm', kernelFunc: kernel },
];
