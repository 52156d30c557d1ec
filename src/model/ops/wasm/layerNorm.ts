import type * as tf from '@tensorflow/tfjs';
import { layerNormGradRows, layerNormRows } from '../cpu/layerNorm';
import { LAYER_NORM, LAYER_NORM_GRAD, layerNormInput, layerNormSizes } from '../layerNormKernels';
import { heapView, type WasmBackendLike } from './heap';
import { type SimdKernels, wasmSimd } from './simd';

/**
 * The fused LayerNorm on tfjs's wasm backend: with WebAssembly SIMD and d a multiple of 4, the
 * kernels of ./assembly/layerNorm.ts (float64 row statistics, float32 elsewhere: a few ulps from
 * the loops); otherwise the cpu file's float64 loops over views of the wasm heap. Outputs are
 * allocated first and every view is taken after the last allocation, since an allocation may grow
 * the heap and detach earlier views.
 */

/** The SIMD kernels when they run for rows of width d, else null. */
function simdFor(backend: WasmBackendLike, d: number): SimdKernels | null {
  return d % 4 === 0 ? wasmSimd(backend) : null;
}

const forwardKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const b = backend as unknown as WasmBackendLike;
  const [x, gamma, beta] = ['x', 'gamma', 'beta'].map((name) => layerNormInput(inputs, name));
  const sizes = layerNormSizes(x, [gamma, beta], [], attrs);
  const y = b.makeOutput(x.shape, 'float32');
  const view = (t: tf.TensorInfo) => heapView(b, t, Float32Array, 'layer norm');
  const simd = simdFor(b, sizes.d);
  if (simd) {
    const [xAt, gAt, bAt, yAt] = [x, gamma, beta, y].map((t) => simd.at(t));
    simd.run.layerNormForward(xAt, gAt, bAt, yAt, sizes.rows, sizes.d, sizes.eps);
  } else layerNormRows(view(x), view(gamma), view(beta), sizes, view(y));
  return y;
};

const gradKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const b = backend as unknown as WasmBackendLike;
  const [x, gamma, dy] = ['x', 'gamma', 'dy'].map((name) => layerNormInput(inputs, name));
  const sizes = layerNormSizes(x, [gamma], [dy], attrs);
  const dx = b.makeOutput(x.shape, 'float32');
  const dgamma = b.makeOutput(gamma.shape, 'float32');
  const dbeta = b.makeOutput(gamma.shape, 'float32');
  // Views only now, after the last allocation.
  const view = (t: tf.TensorInfo) => heapView(b, t, Float32Array, 'layer norm');
  const simd = simdFor(b, sizes.d);
  if (simd) {
    const [xAt, gAt, dyAt, dxAt, dgAt, dbAt] = [x, gamma, dy, dx, dgamma, dbeta].map((t) => simd.at(t));
    // Scratch: dgamma's and dbeta's float64 sums, 2·d doubles.
    simd.withScratch([16 * sizes.d], ([acc]) =>
      simd.run.layerNormBackward(xAt, gAt, dyAt, dxAt, dgAt, dbAt, acc, sizes.rows, sizes.d, sizes.eps),
    );
  } else layerNormGradRows(view(x), view(gamma), view(dy), sizes, view(dx), view(dgamma), view(dbeta));
  return [dx, dgamma, dbeta];
};

export const WASM_LAYER_NORM_KERNELS: tf.KernelConfig[] = [
  { kernelName: LAYER_NORM, backendName: 'wasm', kernelFunc: forwardKernel },
  { kernelName: LAYER_NORM_GRAD, backendName: 'wasm', kernelFunc: gradKernel },
];
