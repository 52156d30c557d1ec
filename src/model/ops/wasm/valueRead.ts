import type * as tf from '@tensorflow/tfjs';
import { weightedRowSum, weightedRowSumGrad } from '../cpu/valueRead';
import { VALUE_READ, VALUE_READ_GRAD, valueReadInput, valueReadSizes } from '../valueReadKernels';
import { heapView, type WasmBackendLike } from './heap';

/**
 * The fused memory read on tfjs's wasm backend: the cpu loops on views of the wasm heap (no copy
 * in or out), taken after the outputs are allocated (an allocation may grow the heap).
 */

const OP = 'value read';

const readKernel: tf.KernelFunc = ({ inputs, backend }) => {
  const b = backend as unknown as WasmBackendLike;
  const [values, slots, weights] = ['values', 'slots', 'weights'].map((n) => valueReadInput(inputs, n));
  const sizes = valueReadSizes(values, slots, weights);
  const out = b.makeOutput([sizes.rows, sizes.vDim], 'float32');
  weightedRowSum(
    heapView(b, values, Float32Array, OP),
    heapView(b, slots, Int32Array, OP),
    heapView(b, weights, Float32Array, OP),
    sizes,
    heapView(b, out, Float32Array, OP),
  );
  return out;
};

const gradKernel: tf.KernelFunc = ({ inputs, backend }) => {
  const b = backend as unknown as WasmBackendLike;
  const [dy, values, slots, weights] = ['dy', 'values', 'slots', 'weights'].map((n) =>
    valueReadInput(inputs, n),
  );
  const sizes = valueReadSizes(values, slots, weights);
  const dWeights = b.makeOutput(weights.shape, 'float32');
  const dRows = b.makeOutput([...weights.shape, sizes.vDim], 'float32');
  weightedRowSumGrad(
    heapView(b, dy, Float32Array, OP),
    heapView(b, values, Float32Array, OP),
    heapView(b, slots, Int32Array, OP),
    heapView(b, weights, Float32Array, OP),
    sizes,
    heapView(b, dWeights, Float32Array, OP),
    heapView(b, dRows, Float32Array, OP),
  );
  return [dWeights, dRows];
};

export const WASM_VALUE_READ_KERNELS: tf.KernelConfig[] = [
  { kernelName: VALUE_READ, backendName: 'wasm', kernelFunc: readKernel },
  { kernelName: VALUE_READ_GRAD, backendName: 'wasm', kernelFunc: gradKernel },
];
