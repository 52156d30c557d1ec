import type * as tf from '@tensorflow/tfjs';
import { weightedRowSum, weightedRowSumGrad } from '../cpu/valueRead';
import {
  VALUE_READ,
  VALUE_READ_GRAD,
  type ValueReadSizes,
  valueReadInput,
  valueReadSizes,
} from '../valueReadKernels';
import { heapView, type WasmBackendLike } from './heap';
import { type SimdKernels, wasmSimd } from './simd';

/**
 * The fused memory read on tfjs's wasm backend, on the tensors where they lie (no copy in or out):
 * the SIMD kernels of ./assembly/valueRead.ts (float32x4 lanes over columns, the same bits as the
 * JS loops), or where WebAssembly SIMD is missing or v_dim is not a multiple of 4 the cpu kernels'
 * loops on views of the wasm heap, taken after the outputs are allocated (an allocation may grow
 * the heap).
 */

const OP = 'value read';

/** The SIMD kernels where they can run for these sizes, else null (the JS loops run). */
function simdFor(b: WasmBackendLike, sizes: ValueReadSizes): SimdKernels | null {
  return sizes.vDim % 4 === 0 ? wasmSimd(b) : null;
}

const readKernel: tf.KernelFunc = ({ inputs, backend }) => {
  const b = backend as unknown as WasmBackendLike;
  const [values, slots, weights] = ['values', 'slots', 'weights'].map((n) => valueReadInput(inputs, n));
  const sizes = valueReadSizes(values, slots, weights);
  const out = b.makeOutput([sizes.rows, sizes.vDim], 'float32');
  // The views check every input's type, for the SIMD kernel too.
  const [valuesView, weightsView, outView] = [values, weights, out].map((t) =>
    heapView(b, t, Float32Array, OP),
  );
  const slotsView = heapView(b, slots, Int32Array, OP);
  const simd = simdFor(b, sizes);
  if (!simd) weightedRowSum(valuesView, slotsView, weightsView, sizes, outView);
  else {
    const { rows, perRow, vDim, tableRows } = sizes;
    const [v, s, w, o] = [values, slots, weights, out].map((t) => simd.at(t));
    simd.run.valueRead(v, s, w, o, rows, perRow, vDim, tableRows);
  }
  return out;
};

const gradKernel: tf.KernelFunc = ({ inputs, backend }) => {
  const b = backend as unknown as WasmBackendLike;
  const [dy, values, slots, weights] = ['dy', 'values', 'slots', 'weights'].map((n) =>
    valueReadInput(inputs, n),
  );
  const sizes = valueReadSizes(values, slots, weights);
  if (dy.shape.join() !== [sizes.rows, sizes.vDim].join())
    throw new Error(`wasm ${OP}: dy [${dy.shape}] must be [${sizes.rows}, ${sizes.vDim}]`);
  const dWeights = b.makeOutput(weights.shape, 'float32');
  const dRows = b.makeOutput([...weights.shape, sizes.vDim], 'float32');
  const floats = [dy, values, weights, dWeights, dRows].map((t) => heapView(b, t, Float32Array, OP));
  const slotsView = heapView(b, slots, Int32Array, OP);
  const simd = simdFor(b, sizes);
  if (!simd) {
    const [dyView, valuesView, weightsView, dWeightsView, dRowsView] = floats;
    weightedRowSumGrad(dyView, valuesView, slotsView, weightsView, sizes, dWeightsView, dRowsView);
  } else {
    const { rows, perRow, vDim, tableRows } = sizes;
    const [g, v, s, w, dw, dr] = [dy, values, slots, weights, dWeights, dRows].map((t) => simd.at(t));
    simd.run.valueReadGrad(g, v, s, w, dw, dr, rows, perRow, vDim, tableRows);
  }
  return [dWeights, dRows];
};

export const WASM_VALUE_READ_KERNELS: tf.KernelConfig[] = [
  { kernelName: VALUE_READ, backendName: 'wasm', kernelFunc: readKernel },
  { kernelName: VALUE_READ_GRAD, backendName: 'wasm', kernelFunc: gradKernel },
];
