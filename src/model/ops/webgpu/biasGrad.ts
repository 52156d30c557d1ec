import type * as tf from '@tensorflow/tfjs';
import { BIAS_GRAD, biasGradInput } from '../biasGradKernels';
import { sumOverRows } from './columns';
import type { WebGpuProgramRunner } from './runProgram';

/**
 * The bias gradient on tfjs-backend-webgpu: one thread per column sums it over the rows in order,
 * in float32 (columns.ts). tfjs's Sum over axis 0 transposes dy and then reduces in workgroup
 * memory behind barriers, which a software adapter (SwiftShader) runs slowly (~25 ms for the
 * default model's [512, 64] there, ~25 a step); this is one pass without either. Its sum is a
 * different float32 order than the reference's tree, so the two agree to float32 tolerance.
 */
const kernel: tf.KernelFunc = ({ inputs, backend }) => {
  const { dy, rows, cols } = biasGradInput(inputs, 'webgpu');
  return sumOverRows(backend as unknown as WebGpuProgramRunner, dy, rows, cols);
};

export const WEBGPU_BIAS_GRAD_KERNELS: tf.KernelConfig[] = [
  { kernelName: BIAS_GRAD, backendName: 'webgpu', kernelFunc: kernel },
];
