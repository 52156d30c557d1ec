import type * as tf from '@tensorflow/tfjs';
import { BIAS_GRAD, biasGradInput } from '../biasGradKernels';
import { FlatProgram, int32Uniforms, storedDtype, type WebGpuProgramRunner } from './runProgram';

/**
 * The bias gradient on tfjs-backend-webgpu: one thread per column sums it over the rows in order,
 * in float32. tfjs's Sum over axis 0 transposes dy and then reduces in workgroup memory behind
 * barriers, which a software adapter (SwiftShader) runs slowly (~25 ms for the default model's
 * [512, 64] there, ~25 a step); this is one pass without either. Its sum is a different float32
 * order than the reference's tree, so the two agree to float32 tolerance, not bit for bit.
 */
class ColumnSumProgram extends FlatProgram {
  variableNames = ['dy'];
  uniforms = 'threads : i32, rows : i32,';

  constructor(cols: number, stored: tf.DataType) {
    // The buffer's dtype is in the shader key (see storedDtype): f32() converts an int32 one.
    super(`pkmColumnSum_${stored}`, [cols], Math.max(1, cols));
  }

  getUserCode(): string {
    return `
  fn main(index: i32) {
    if (index >= uniforms.threads) { return; }
    var sum = 0.0;
    for (var r = 0; r < uniforms.rows; r++) {
      sum += f32(dy[r * uniforms.threads + index]);
    }
    result[index] = sum;
  }`;
  }
}

const kernel: tf.KernelFunc = ({ inputs, backend }) => {
  const { dy, rows, cols } = biasGradInput(inputs, 'webgpu');
  const program = new ColumnSumProgram(cols, storedDtype(backend, dy));
  return (backend as unknown as WebGpuProgramRunner).runWebGPUProgram(
    program,
    [dy],
    'float32',
    int32Uniforms(cols, rows),
  );
};

export const WEBGPU_BIAS_GRAD_KERNELS: tf.KernelConfig[] = [
  { kernelName: BIAS_GRAD, backendName: 'webgpu', kernelFunc: kernel },
];
