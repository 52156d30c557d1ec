import type * as tf from '@tensorflow/tfjs';
import { geluGradLoop, geluLoop } from '../cpu/gelu';
import { GELU, GELU_GRAD, geluInput } from '../geluKernels';
import { heapView, type WasmBackendLike } from './heap';
import { runInSimdMemory, wasmSimd } from './simd';

/**
 * The GELU kernels on the wasm backend: the SIMD kernels of ./assembly/gelu.ts (float32 with a
 * polynomial exp, ~10× faster than the loops), or where WebAssembly SIMD is missing the cpu
 * kernels' float64 loops over views of the wasm heap. The output is allocated first and every
 * view taken after it (an allocation may grow the heap and detach earlier views).
 */

function geluOn(x: Float32Array, y: Float32Array): void {
  const simd = wasmSimd();
  if (!simd) {
    geluLoop(x, y);
    return;
  }
  runInSimdMemory(simd, [x], [y], [], ([xAt, yAt]) => simd.gelu(xAt, yAt, x.length));
}

function geluGradOn(dy: Float32Array, x: Float32Array, dx: Float32Array): void {
  const simd = wasmSimd();
  if (!simd) {
    geluGradLoop(dy, x, dx);
    return;
  }
  runInSimdMemory(simd, [dy, x], [dx], [], ([dyAt, xAt, dxAt]) => simd.geluGrad(dyAt, xAt, dxAt, x.length));
}

const floatInput = (inputs: tf.NamedTensorInfoMap, name: string) => geluInput(inputs, name, 'wasm');
const view = (b: WasmBackendLike, t: tf.TensorInfo) => heapView(b, t, Float32Array, 'gelu');

const geluKernel: tf.KernelFunc = ({ inputs, backend }) => {
  const b = backend as unknown as WasmBackendLike;
  const x = floatInput(inputs, 'x');
  const y = b.makeOutput(x.shape, 'float32');
  geluOn(view(b, x), view(b, y));
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
  geluGradOn(dys, xs, view(b, dx));
  return dx;
};

export const WASM_GELU_KERNELS: tf.KernelConfig[] = [
  { kernelName: GELU, backendName: 'wasm', kernelFunc: geluKernel },
  { kernelName: GELU_GRAD, backendName: 'wasm', kernelFunc: geluGradKernel },
];
