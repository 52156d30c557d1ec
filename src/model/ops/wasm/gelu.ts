import type * as tf from '@tensorflow/tfjs';
import { geluGradLoop, geluLoop } from '../cpu/gelu';
import { GELU, GELU_GRAD, geluInput } from '../geluKernels';
import { heapView, type WasmBackendLike } from './heap';

/**
 * The GELU kernels on the wasm backend: the cpu kernels' loops over views of the wasm heap. The
 * output is allocated first and every view taken after it (an allocation may grow the heap and
 * detach earlier views).
 */

const floatInput = (inputs: tf.NamedTensorInfoMap, name: string) => geluInput(inputs, name, 'wasm');
const view = (b: WasmBackendLike, t: tf.TensorInfo) => heapView(b, t, Float32Array, 'gelu');

const geluKernel: tf.KernelFunc = ({ inputs, backend }) => {
  const b = backend as unknown as WasmBackendLike;
  const x = floatInput(inputs, 'x');
  const y = b.makeOutput(x.shape, 'float32');
  geluLoop(view(b, x), view(b, y));
  return y;
};

const geluGradKernel: tf.KernelFunc = ({ inputs, backend }) => {
  const b = backend as unknown as WasmBackendLike;
  const x = floatInput(inputs, 'x');
  const dy = floatInput(inputs, 'dy');
  const dx = b.makeOutput(x.shape, 'float32');
  const xs = view(b, x);
  const dys = view(b, dy);
  if (dys.length !== xs.length) throw new Error('wasm gelu gradient: dy and x must have the same size');
  geluGradLoop(dys, xs, view(b, dx));
  return dx;
};

export const WASM_GELU_KERNELS: tf.KernelConfig[] = [
  { kernelName: GELU, backendName: 'wasm', kernelFunc: geluKernel },
  { kernelName: GELU_GRAD, backendName: 'wasm', kernelFunc: geluGradKernel },
];
