import type * as tf from '@tensorflow/tfjs';
import { SWAP_LAST, swapLastInput } from '../swapLastKernels';
import {
  elementCount,
  FlatProgram,
  int32Uniforms,
  storedDtype,
  type WebGpuProgramRunner,
} from './runProgram';

/**
 * The swap of the last two axes on tfjs-backend-webgpu: one thread per output element reads its
 * source element, with no workgroup memory or barriers. tfjs's Transpose stages tiles in workgroup
 * memory behind barriers, which a software adapter (SwiftShader) runs slowly: ~20 ms for the
 * default model's [512, 64] there, ~30 of them a step. Values are copied, not computed, so the
 * output holds the input's words (float32 or int32 alike).
 */
class SwapLastProgram extends FlatProgram {
  variableNames = ['x'];
  uniforms = 'threads : i32, rows : i32, cols : i32,';

  constructor(
    shape: number[],
    private readonly dtype: tf.DataType,
    stored: tf.DataType,
  ) {
    // At least one workgroup, even for an empty tensor. Both dtypes are in the shader key: tfjs
    // caches pipelines by key, and the WGSL's buffer types follow them.
    super(`pkmSwapLast_${dtype}_${stored}`, shape, Math.max(1, elementCount(shape)));
  }

  getUserCode(): string {
    return `
  fn main(index: i32) {
    if (index >= uniforms.threads) { return; }
    let plane = uniforms.rows * uniforms.cols;
    let b = index / plane;
    let rest = index - b * plane;
    let c = rest / uniforms.rows;
    let r = rest - c * uniforms.rows;
    result[index] = ${this.dtype === 'int32' ? 'i32' : 'f32'}(x[b * plane + r * uniforms.cols + c]);
  }`;
  }
}

const kernel: tf.KernelFunc = ({ inputs, backend }) => {
  const { x, rows, cols, shape } = swapLastInput(inputs, 'webgpu');
  // An int32 buffer behind a float32 tensor (storedDtype) is converted in the WGSL (the one-hot's
  // 0 and 1, exact); elsewhere the conversion is the identity and moves the bits.
  const program = new SwapLastProgram(shape, x.dtype, storedDtype(backend, x));
  const uniforms = int32Uniforms(elementCount(shape), rows, cols);
  return (backend as unknown as WebGpuProgramRunner).runWebGPUProgram(program, [x], x.dtype, uniforms);
};

export const WEBGPU_SWAP_LAST_KERNELS: tf.KernelConfig[] = [
  { kernelName: SWAP_LAST, backendName: 'webgpu', kernelFunc: kernel },
];
