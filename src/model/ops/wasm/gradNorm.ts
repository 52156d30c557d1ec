import type * as tf from '@tensorflow/tfjs';
import { sumOfSquaresLoop } from '../cpu/gradNorm';
import { SUM_SQUARES, sumSquaresInputs } from '../gradNormKernels';
import { heapView, type WasmBackendLike } from './heap';

/**
 * The sum of squares on the wasm backend: the cpu loop over views of the wasm heap, accumulating
 * in float32 as the wasm backend's Sum kernel does (see src/model/ops/cpu/gradNorm.ts). The
 * output is allocated first and the views taken after it (an allocation may grow the heap).
 */

const floatView = (b: WasmBackendLike, t: tf.TensorInfo) => heapView(b, t, Float32Array, 'sum of squares');

const sumSquaresKernel: tf.KernelFunc = ({ inputs, backend }) => {
  const b = backend as unknown as WasmBackendLike;
  const list = sumSquaresInputs(inputs);
  const out = b.makeOutput([], 'float32');
  const arrays = list.map((t) => floatView(b, t));
  floatView(b, out)[0] = sumOfSquaresLoop(arrays, 'float32');
  return out;
};

export const WASM_GRAD_NORM_KERNELS: tf.KernelConfig[] = [
  { kernelName: SUM_SQUARES, backendName: 'wasm', kernelFunc: sumSquaresKernel },
];
