import * as tf from '@tensorflow/tfjs';
import {
  type GradAttrs,
  inputOf,
  numberAttrs,
  PRODUCT_SELECT_GRAD,
  PRODUCT_TOPK,
  subScoreBlocks,
  type TopKAttrs,
} from '../productSelectKernels';
import { type CpuBackendLike, valuesOf } from './backendArrays';
import { productSelectGrad } from './productSelectGrad';
import { productTopK } from './productTopK';

/**
 * The product-key selection kernels on tfjs's pure-JS cpu backend: inputs are read from the
 * backend's own TypedArrays, outputs are fresh TypedArrays handed to the backend (no copy).
 */

const OP = 'product select';

const topKKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const b = backend as unknown as CpuBackendLike;
  const { heads, knn } = numberAttrs<TopKAttrs>(attrs, ['heads', 'knn']);
  const { blocks, rows, nKeys } = subScoreBlocks(inputs, heads, knn, (t, block) => {
    const whole = valuesOf(b, t, Float32Array, OP);
    return block === null
      ? whole
      : whole.subarray(block * t.shape[1] * t.shape[2], (block + 1) * t.shape[1] * t.shape[2]);
  });
  const slots = new Int32Array(rows * heads * knn);
  const scores = new Float32Array(rows * heads * knn);
  productTopK(blocks, heads, rows, nKeys, knn, slots, scores);
  return [
    b.makeTensorInfo([rows, heads, knn], 'int32', slots),
    b.makeTensorInfo([rows, heads, knn], 'float32', scores),
  ];
};

const gradKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const b = backend as unknown as CpuBackendLike;
  const { heads, nKeys } = numberAttrs<GradAttrs>(attrs, ['heads', 'nKeys']);
  const [dy, slots, q, keys] = ['dy', 'slots', 'q', 'keys'].map((name) => inputOf(inputs, name));
  const [rows, , knn] = dy.shape;
  const dq = new Float32Array(tf.util.sizeFromShape(q.shape));
  const dKeys = new Float32Array(tf.util.sizeFromShape(keys.shape));
  productSelectGrad(
    valuesOf(b, dy, Float32Array, OP),
    valuesOf(b, slots, Int32Array, OP),
    valuesOf(b, q, Float32Array, OP),
    valuesOf(b, keys, Float32Array, OP),
    { heads, rows, nKeys, knn, kDim: q.shape[1] / heads },
    dq,
    dKeys,
  );
  return [b.makeTensorInfo(q.shape, 'float32', dq), b.makeTensorInfo(keys.shape, 'float32', dKeys)];
};

export const CPU_KERNELS: tf.KernelConfig[] = [
  { kernelName: PRODUCT_TOPK, backendName: 'cpu', kernelFunc: topKKernel },
  { kernelName: PRODUCT_SELECT_GRAD, backendName: 'cpu', kernelFunc: gradKernel },
];
