import * as tf from '@tensorflow/tfjs';
import { geluGradLoop, geluLoop } from '../cpu/gelu';
import { GELU, GELU_GRAD, geluInput } from '../geluKernels';
import { heapView, type WasmBackendLike } from './heap';
import { wasmSimd } from './simd';

/**
 * The GELU kernels on the wasm backend: the SIMD kernels of ./assembly/gelu.ts on the tensors in
 * place (float32 with a polynomial exp, ~10× faster than the loops), or where WebAssembly SIMD is
 * missing the cpu kernels' float64 loops over views of the wasm heap. The output is allocated first and every
 * view taken after it (an allocation may grow the heap and detach earlier views).
 */

const floatInput = (inputs: tf.NamedTensorInfoMap, name: string) => geluInput(inputs, name, 'wasm');
const view = (b: WasmBackendLike, t: tf.TensorInfo) => heapView(b, t, Float32Array, 'gelu');

const geluKernel: tf.KernelFunc = ({ inputs, backend }) => {
  const b = backend as unknown as WasmBackendLike;
  const x = floatInput(inputs, 'x');
  const y = b.makeOutput(x.shape, 'float32');
  const simd = wasmSimd(b);
  if (simd) simd.run.gelu(simd.at(x), simd.at(y), tf.util.sizeFromShape(x.shape));
  else geluLoop(view(b, x), view(b, y));
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
  const simd = wasmSimd(b);
  if (simd) simd.run.geluGrad(simd.at(dy), simd.at(x), simd.at(dx), xs.length);
  else geluGradLoop(dys, xs, view(b, dx));
  return dx;
};

export const WASM_GELU_KERNELS: tf.KernelConfig[] = [
  { kernelName: GELU, backendName: 'wasm', kernelFunc: geluKernel },
  { kernelName: GELU_GRAD, backendName: 'wasm', kernelFunc: geluGradKernel },
];
