import type * as tf from '@tensorflow/tfjs';
import {
  checkTopKShape,
  type GradAttrs,
  inputOf,
  numberAttrs,
  PRODUCT_QUERY_GRAD,
  PRODUCT_SCORE_TOPK,
  PRODUCT_SUBSCORE_GRAD,
  PRODUCT_TOPK,
  scoreTopKInputs,
  type TopKAttrs,
} from '../productSelectKernels';
import {
  ProductScoresProgram,
  ProductTopKProgram,
  QueryGradProgram,
  SubScoreGradProgram,
  SubScoresProgram,
} from './programs';
import { int32Uniforms, type WebGpuProgramRunner } from './runProgram';

/**
 * The product-key selection kernels on tfjs-backend-webgpu. Everything stays on the GPU: the
 * programs read tfjs's buffers and write new tfjs tensors; nothing is read back.
 */

/** Both halves' top-k and their merge from the sub-key scores [heads·2, N, n_keys]: [slots, scores]. */
function selectFromSubScores(
  b: WebGpuProgramRunner,
  sub: tf.TensorInfo,
  heads: number,
  knn: number,
): tf.TensorInfo[] {
  const [rows, nKeys] = checkTopKShape(sub.shape, heads, knn);
  const select = new ProductTopKProgram(rows, heads, nKeys, knn);
  const slots = b.runWebGPUProgram(select, [sub], 'int32', int32Uniforms(rows * heads, rows));
  const score = new ProductScoresProgram(rows, heads, nKeys, knn);
  const scores = b.runWebGPUProgram(score, [sub, slots], 'float32', int32Uniforms(rows * heads * knn, rows));
  return [slots, scores];
}

const topKKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { heads, knn } = numberAttrs<TopKAttrs>(attrs, ['heads', 'knn']);
  return selectFromSubScores(
    backend as unknown as WebGpuProgramRunner,
    inputOf(inputs, 'subScores'),
    heads,
    knn,
  );
};

/** From q and the keys: the sub-key scores by SubScoresProgram, then the same selection. */
const scoreTopKKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const b = backend as unknown as WebGpuProgramRunner;
  const { heads, knn, q, keys, rows, nKeys, half } = scoreTopKInputs(inputs, attrs);
  const program = new SubScoresProgram(rows, heads, nKeys, half);
  const sub = b.runWebGPUProgram(
    program,
    [q, keys],
    'float32',
    int32Uniforms(heads * 2 * rows * nKeys, rows),
  );
  try {
    return selectFromSubScores(b, sub, heads, knn);
  } finally {
    b.disposeData(sub.dataId);
  }
};

const subScoreGradKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const b = backend as unknown as WebGpuProgramRunner;
  const { heads, nKeys } = numberAttrs<GradAttrs>(attrs, ['heads', 'nKeys']);
  const [dy, slots] = ['dy', 'slots'].map((name) => inputOf(inputs, name));
  const [rows, , knn] = dy.shape;
  const program = new SubScoreGradProgram(rows, heads, nKeys, knn);
  return b.runWebGPUProgram(program, [dy, slots], 'float32', int32Uniforms(heads * 2 * rows, rows));
};

const queryGradKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const b = backend as unknown as WebGpuProgramRunner;
  const { heads, nKeys } = numberAttrs<GradAttrs>(attrs, ['heads', 'nKeys']);
  const [dy, slots, keys] = ['dy', 'slots', 'keys'].map((name) => inputOf(inputs, name));
  const [rows, , knn] = dy.shape;
  const half = keys.shape.reduce((a, d) => a * d, 1) / (heads * 2 * nKeys);
  const program = new QueryGradProgram(rows, heads, nKeys, knn, half);
  return b.runWebGPUProgram(
    program,
    [dy, slots, keys],
    'float32',
    int32Uniforms(rows * heads * 2 * half, rows),
  );
};

export const WEBGPU_KERNELS: tf.KernelConfig[] = [
  { kernelName: PRODUCT_QUERY_GRAD, backendName: 'webgpu', kernelFunc: queryGradKernel },
  { kernelName: PRODUCT_TOPK, backendName: 'webgpu', kernelFunc: topKKernel },
  { kernelName: PRODUCT_SCORE_TOPK, backendName: 'webgpu', kernelFunc: scoreTopKKernel },
  { kernelName: PRODUCT_SUBSCORE_GRAD, backendName: 'webgpu', kernelFunc: subScoreGradKernel },
];
