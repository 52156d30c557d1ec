import type * as tf from '@tensorflow/tfjs';
import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';

/** A program-defined uniform, as tfjs-backend-webgpu's runWebGPUProgram takes them. */
export interface Uniform {
  type: 'int32' | 'float32';
  data: number[];
}

/** The part of tfjs-backend-webgpu's WebGPUBackend the fused kernels use. */
export interface WebGpuProgramRunner {
  runWebGPUProgram(
    program: WebGPUProgram,
    inputs: tf.TensorInfo[],
    outputDtype: tf.DataType,
    programDefinedUniform?: Uniform[],
    output?: tf.TensorInfo,
  ): tf.TensorInfo;
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: Float32Array): tf.TensorInfo;
  disposeData(dataId: object): boolean;
}

/** tfjs-backend-webgpu's record of a tensor: the dtype its buffer holds. */
interface WebGpuTensorMap {
  tensorMap: { get(dataId: object): { dtype: tf.DataType } | undefined };
}

/**
 * The dtype a tensor's buffer holds, which may differ from the tensor's: tfjs-webgpu casts int32
 * to float32 without a copy (as the one-hot embedding's input is), and binds the buffer in WGSL
 * as it holds it, so a program reading it must convert.
 */
export function storedDtype(backend: unknown, t: tf.TensorInfo): tf.DataType {
  return (backend as WebGpuTensorMap).tensorMap.get(t.dataId)?.dtype ?? t.dtype;
}

/** One int32 uniform per value, in order. */
export function int32Uniforms(...values: number[]): Uniform[] {
  return values.map((v): Uniform => ({ type: 'int32', data: [v] }));
}

/** The number of elements of a tensor of `shape`. */
export function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

const WORKGROUP = 64;

/**
 * A program over a flat dispatch of `threads` threads, 64 per workgroup. tfjs folds a flat
 * dispatch above 65,535 workgroups into 2D (or 3D) and getGlobalIndex() unfolds it, so every
 * program bounds-checks its thread index.
 */
export abstract class FlatProgram implements WebGPUProgram {
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [WORKGROUP, 1, 1];
  abstract variableNames: string[];

  constructor(
    public shaderKey: string,
    public outputShape: number[],
    threads: number,
  ) {
    this.dispatch = [Math.ceil(threads / WORKGROUP), 1, 1];
  }

  abstract getUserCode(): string;
}
