import type * as tf from '@tensorflow/tfjs';
import { geluGradLoop, geluLoop } from '../cpu/gelu';
import { GELU, GELU_GRAD } from '../geluKernels';

/**
 * The GELU kernels on the wasm backend: the cpu kernels' loops over views of the wasm heap. The
 * output is allocated first and every view taken after it (an allocation may grow the heap and
 * detach earlier views).
 */

interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

function floatInput(inputs: tf.NamedTensorInfoMap, name: string): tf.TensorInfo {
  const t = inputs[name];
  if (t?.dtype !== 'float32') throw new Error(`wasm gelu: input ${name} must be a float32 tensor`);
  return t;
}

function view(backend: WasmBackendLike, t: tf.TensorInfo): Float32Array {
  const values = backend.typedArrayFromHeap(t);
  if (!(values instanceof Float32Array)) throw new Error('wasm gelu: a tensor is not float32 on the heap');
  return values;
}

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
