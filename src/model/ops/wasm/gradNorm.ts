import * as tf from '@tensorflow/tfjs';
import { sumOfSquaresLoop } from '../cpu/gradNorm';
import { SUM_SQUARES, sumSquaresInputs } from '../gradNormKernels';
import { heapView, type WasmBackendLike } from './heap';
import { wasmSimd } from './simd';

/**
 * The sum of squares on the wasm backend. Where the SIMD module runs: each tensor's sum of exact
 * squares in float64 lanes (assembly/sumSquares.ts), the tensors' sums added in float64 and
 * rounded to float32 once — more accurate than the reference and ~4× faster than its float32
 * chain, which is one dependent add per element (0.7 ms for the default model's value-row
 * gradients at 2^18 slots). Without SIMD: the cpu loop over views of the wasm heap, accumulating
 * in float32 as tfjs-wasm's Sum does (src/model/ops/cpu/gradNorm.ts), the reference's bits. The
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
  let total = 0;
  for (const t of list) total += simd.run.sumSquares(simd.at(t), tf.util.sizeFromShape(t.shape));
  floatView(b, out)[0] = total;
  return out;
};

export const WASM_GRAD_NORM_KERNELS: tf.KernelConfig[] = [
  { kernelName: SUM_SQUARES, backendName: 'wasm', kernelFunc: sumSquaresKernel },
];
