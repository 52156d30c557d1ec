import type * as tf from '@tensorflow/tfjs';
import { layerNormGradRows, layerNormRows } from '../cpu/layerNorm';
import { LAYER_NORM, LAYER_NORM_GRAD, layerNormInput, layerNormSizes } from '../layerNormKernels';
import { heapView, type WasmBackendLike } from './heap';

/**
 * The fused LayerNorm on tfjs's wasm backend: the cpu file's loops over views of the wasm heap
 * (no copy in or out). Outputs are allocated first and every view is taken after the last
 * allocation, since an allocation may grow the heap and detach earlier views.
 */

const forwardKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const b = backend as unknown as WasmBackendLike;
  const [x, gamma, beta] = ['x', 'gamma', 'beta'].map((name) => layerNormInput(inputs, name));
  const sizes = layerNormSizes(x, [gamma, beta], [], attrs);
  const y = b.makeOutput(x.shape, 'float32');
  const view = (t: tf.TensorInfo) => heapView(b, t, Float32Array, 'layer norm');
  layerNormRows(view(x), view(gamma), view(beta), sizes, view(y));
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
  layerNormGradRows(view(x), view(gamma), view(dy), sizes, view(dx), view(dgamma), view(dbeta));
  return [dx, dgamma, dbeta];
};

export const WASM_LAYER_NORM_KERNELS: tf.KernelConfig[] = [
  { kernelName: LAYER_NORM, backendName: 'wasm', kernelFunc: forwardKernel },
  { kernelName: LAYER_NORM_GRAD, backendName: 'wasm', kernelFunc: gradKernel },
];
