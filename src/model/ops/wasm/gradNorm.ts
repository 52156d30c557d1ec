import * as tf from '@tensorflow/tfjs';
import { sumOfSquaresLoop } from '../cpu/gradNorm';
import { SUM_SQUARES, sumSquaresInputs } from '../gradNormKernels';
import { heapView, type WasmBackendLike } from './heap';
import { wasmSimd } from './simd';

/**
 * The sum of squares on the wasm backend, accumulating in float32 as the wasm backend's Sum
 * kernel does (see src/model/ops/cpu/gradNorm.ts): each tensor's sum by the compiled kernel
 * (assembly/sumSquares.ts) where the SIMD module runs, else by the cpu loop over views of the
 * wasm heap; the per-tensor sums are then added in list order in float32, as the loop does. The
 * output is allocated first and the views taken after it (an allocation may grow the heap).
 */

const floatView = (b: WasmBackendLike, t: tf.TensorInfo) => heapView(b, t, Float32Array, 'sum of squares');

const sumSquaresKernel: tf.KernelFunc = ({ inputs, backend }) => {
  const b = backend as unknown as WasmBackendLike;
  const list = sumSquaresInputs(inputs);
  const out = b.makeOutput([], 'float32');
  const simd = wasmSimd(b);
  if (!simd) {
    floatView(b, out)[0] = sumOfSquaresLoop(
      list.map((t) => floatView(b, t)),
      'float32',
    );
    return out;
  }
  const f = Math.fround;
  let total = 0;
  for (const t of list) total = f(total + simd.run.sumSquares(simd.at(t), tf.util.sizeFromShape(t.shape)));
  floatView(b, out)[0] = total;
  return out;
};

export const WASM_GRAD_NORM_KERNELS: tf.KernelConfig[] = [
  { kernelName: SUM_SQUARES, backendName: 'wasm', kernelFunc: sumSquaresKernel },
];
