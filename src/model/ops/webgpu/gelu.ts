import type * as tf from '@tensorflow/tfjs';
import { GELU, GELU_CUBIC, GELU_GRAD, GELU_SATURATION, GELU_SCALE, geluInput } from '../geluKernels';
import { elementCount, FlatProgram, type WebGpuProgramRunner } from './runProgram';

/**
 * The GELU kernels on tfjs-backend-webgpu: one element-wise program each, run by tfjs's
 * runWebGPUProgram, flat over elements (see FlatProgram); each thread bounds-checks its index
 * against uniforms.size. Same math as the cpu loops (src/model/ops/cpu/gelu.ts), in float32.
 */

const f32 = (v: number) => {
  const s = String(v);
  return s.includes('.') || s.includes('e') ? s : `${s}.0`;
};

const GELU_WGSL = `
  const PKM_GELU_CUBIC = ${f32(GELU_CUBIC)};
  const PKM_GELU_SCALE = ${f32(GELU_SCALE)};
  const PKM_GELU_SATURATION = ${f32(GELU_SATURATION)};

  // (σ(z), 1 − σ(z)) from e = exp(−|z|) ≤ 1: no overflow, and 1 − σ stays precise near σ = 1.
  fn pkmGeluSigmoids(v: f32) -> vec2<f32> {
    let z = PKM_GELU_SCALE * (v + PKM_GELU_CUBIC * v * v * v);
    let e = exp(-abs(z));
    let r = 1.0 / (1.0 + e);
    return select(vec2<f32>(e * r, r), vec2<f32>(r, e * r), z >= 0.0);
  }

  fn pkmGelu(v: f32) -> f32 {
    if (v > PKM_GELU_SATURATION) { return v; }
    if (v < -PKM_GELU_SATURATION) { return 0.0; }
    return v * pkmGeluSigmoids(v).x;
  }

  fn pkmGeluDerivative(v: f32) -> f32 {
    if (v > PKM_GELU_SATURATION) { return 1.0; }
    if (v < -PKM_GELU_SATURATION) { return 0.0; }
    let s = pkmGeluSigmoids(v);
    return s.x + v * s.x * s.y * PKM_GELU_SCALE * (1.0 + 3.0 * PKM_GELU_CUBIC * v * v);
  }
`;

class GeluElementProgram extends FlatProgram {
  size = true;

  constructor(
    readonly variableNames: string[],
    shape: number[],
    private readonly expression: string,
    name: string,
  ) {
    // At least one workgroup, even for an empty tensor.
    super(name, shape, Math.max(1, elementCount(shape)));
  }

  getUserCode(): string {
    return `${GELU_WGSL}
  fn main(index: i32) {
    if (index < uniforms.size) {
      result[index] = ${this.expression};
    }
  }`;
  }
}

const floatInput = (inputs: tf.NamedTensorInfoMap, name: string) => geluInput(inputs, name, 'webgpu');

const geluKernel: tf.KernelFunc = ({ inputs, backend }) => {
  const x = floatInput(inputs, 'x');
  const program = new GeluElementProgram(['x'], x.shape, 'pkmGelu(x[index])', 'pkmGelu');
  return (backend as unknown as WebGpuProgramRunner).runWebGPUProgram(program, [x], 'float32');
};

const geluGradKernel: tf.KernelFunc = ({ inputs, backend }) => {
  const x = floatInput(inputs, 'x');
  const dy = floatInput(inputs, 'dy');
  if (dy.shape.join() !== x.shape.join())
    throw new Error('webgpu gelu gradient: dy and x must have one shape');
  const program = new GeluElementProgram(
    ['dy', 'x'],
    x.shape,
    'dy[index] * pkmGeluDerivative(x[index])',
    'pkmGeluGrad',
  );
  return (backend as unknown as WebGpuProgramRunner).runWebGPUProgram(program, [dy, x], 'float32');
};

export const WEBGPU_GELU_KERNELS: tf.KernelConfig[] = [
  { kernelName: GELU, backendName: 'webgpu', kernelFunc: geluKernel },
  { kernelName: GELU_GRAD, backendName: 'webgpu', kernelFunc: geluGradKernel },
];
