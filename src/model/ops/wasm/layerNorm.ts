import type * as tf from '@tensorflow/tfjs';
import { layerNormGradRows, layerNormRows } from '../cpu/layerNorm';
import {
  LAYER_NORM,
  LAYER_NORM_GRAD,
  type LayerNormSizes,
  layerNormInput,
  layerNormSizes,
} from '../layerNormKernels';
import { heapView, type WasmBackendLike } from './heap';
import { runInSimdMemory, type SimdExports, wasmSimd } from './simd';

/**
 * The fused LayerNorm on tfjs's wasm backend: with WebAssembly SIMD and d a multiple of 4, the
 * kernels of ./assembly/layerNorm.ts (float64 row statistics, float32 elsewhere: a few ulps from
 * the loops); otherwise the cpu file's float64 loops over views of the wasm heap. Outputs are
 * allocated first and every view is taken after the last allocation, since an allocation may grow
 * the heap and detach earlier views.
 */

/** The SIMD kernels when they run for rows of width d, else null. */
function simdFor(d: number): SimdExports | null {
  return d % 4 === 0 ? wasmSimd() : null;
}

function forwardOn(
  x: Float32Array,
  gamma: Float32Array,
  beta: Float32Array,
  s: LayerNormSizes,
  y: Float32Array,
) {
  const simd = simdFor(s.d);
  if (!simd) {
    layerNormRows(x, gamma, beta, s, y);
    return;
  }
  runInSimdMemory(simd, [x, gamma, beta], [y], [], ([xAt, gAt, bAt, yAt]) =>
    simd.layerNormForward(xAt, gAt, bAt, yAt, s.rows, s.d, s.eps),
  );
}

function backwardOn(
  x: Float32Array,
  gamma: Float32Array,
  dy: Float32Array,
  s: LayerNormSizes,
  dx: Float32Array,
  dgamma: Float32Array,
  dbeta: Float32Array,
) {
  const simd = simdFor(s.d);
  if (!simd) {
    layerNormGradRows(x, gamma, dy, s, dx, dgamma, dbeta);
    return;
  }
  // Scratch: dgamma's and dbeta's float64 sums, 2·d doubles = 4·d floats.
  runInSimdMemory(
    simd,
    [x, gamma, dy],
    [dx, dgamma, dbeta],
    [4 * s.d],
    ([xAt, gAt, dyAt, dxAt, dgAt, dbAt, accAt]) =>
      simd.layerNormBackward(xAt, gAt, dyAt, dxAt, dgAt, dbAt, accAt, s.rows, s.d, s.eps),
  );
}

const forwardKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const b = backend as unknown as WasmBackendLike;
  const [x, gamma, beta] = ['x', 'gamma', 'beta'].map((name) => layerNormInput(inputs, name));
  const sizes = layerNormSizes(x, [gamma, beta], [], attrs);
  const y = b.makeOutput(x.shape, 'float32');
  const view = (t: tf.TensorInfo) => heapView(b, t, Float32Array, 'layer norm');
  forwardOn(view(x), view(gamma), view(beta), sizes, view(y));
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
  backwardOn(view(x), view(gamma), view(dy), sizes, view(dx), view(dgamma), view(dbeta));
  return [dx, dgamma, dbeta];
};

export const WASM_LAYER_NORM_KERNELS: tf.KernelConfig[] = [
  { kernelName: LAYER_NORM, backendName: 'wasm', kernelFunc: forwardKernel },
  { kernelName: LAYER_NORM_GRAD, backendName: 'wasm', kernelFunc: gradKernel },
];
