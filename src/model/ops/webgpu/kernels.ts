import type * as tf from '@tensorflow/tfjs';
import {
  checkTopKShape,
  type GradAttrs,
  inputOf,
  numberAttrs,
  PRODUCT_SUBSCORE_GRAD,
  PRODUCT_TOPK,
  type TopKAttrs,
} from '../productSelectKernels';
import { ProductScoresProgram, ProductTopKProgram, SubScoreGradProgram } from './programs';
import { int32Uniforms, type WebGpuProgramRunner } from './runProgram';

/**
 * The product-key selection kernels on tfjs-backend-webgpu. Everything stays on the GPU: the
 * programs read tfjs's buffers and write new tfjs tensors; nothing is read back.
 */

const topKKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const b = backend as unknown as WebGpuProgramRunner;
  const { heads, knn } = numberAttrs<TopKAttrs>(attrs, ['heads', 'knn']);
  const sub = inputOf(inputs, 'subScores');
  const [rows, nKeys] = checkTopKShape(sub.shape, heads, knn);
  const select = new ProductTopKProgram(rows, heads, nKeys, knn);
  const slots = b.runWebGPUProgram(select, [sub], 'int32', int32Uniforms(rows * heads, rows));
  const score = new ProductScoresProgram(rows, heads, nKeys, knn);
  const scores = b.runWebGPUProgram(score, [sub, slots], 'float32', int32Uniforms(rows * heads * knn, rows));
  return [slots, scores];
};

const subScoreGradKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const b = backend as unknown as WebGpuProgramRunner;
  const { heads, nKeys } = numberAttrs<GradAttrs>(attrs, ['heads', 'nKeys']);
  const [dy, slots] = ['dy', 'slots'].map((name) => inputOf(inputs, name));
  const [rows, , knn] = dy.shape;
  const program = new SubScoreGradProgram(rows, heads, nKeys, knn);
  return b.runWebGPUProgram(program, [dy, slots], 'float32', int32Uniforms(heads * 2 * rows, rows));
};

export const WEBGPU_KERNELS: tf.KernelConfig[] = [
  { kernelName: PRODUCT_TOPK, backendName: 'webgpu', kernelFunc: topKKernel },
  { kernelName: PRODUCT_SUBSCORE_GRAD, backendName: 'webgpu', kernelFunc: subScoreGradKernel },
];
