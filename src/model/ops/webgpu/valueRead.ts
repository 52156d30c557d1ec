import type * as tf from '@tensorflow/tfjs';
import {
  VALUE_READ,
  VALUE_READ_GRAD,
  type ValueReadSizes,
  valueReadInput,
  valueReadSizes,
} from '../valueReadKernels';
import { elementCount, FlatProgram, int32Uniforms, type WebGpuProgramRunner } from './runProgram';

/**
 * The fused memory read on tfjs-backend-webgpu: three flat programs (a tfjs program has one
 * output), each thread one output element, no atomics, sums in the cpu kernel's order. Entries
 * per row and v_dim are baked into the WGSL; the table's row count is a uniform (bounds only).
 */

/** One thread per output element. */
abstract class ValueReadProgram extends FlatProgram {
  uniforms = 'threads : i32, tableRows : i32,';

  constructor(
    name: string,
    outputShape: number[],
    readonly sizes: ValueReadSizes,
  ) {
    super(`${name}_${sizes.perRow}_${sizes.vDim}`, outputShape, elementCount(outputShape));
  }
}

/** One thread per (row, column): Σ over the row's entries of weight · value. */
class ReadProgram extends ValueReadProgram {
  variableNames = ['values', 'slots', 'weights'];

  constructor(sizes: ValueReadSizes) {
    super('pkmValueRead', [sizes.rows, sizes.vDim], sizes);
  }

  getUserCode(): string {
    const { perRow, vDim } = this.sizes;
    return `
  fn main(index: i32) {
    if (index >= uniforms.threads) { return; }
    let n = index / ${vDim};
    let c = index - n * ${vDim};
    var sum = 0.0;
    for (var j = n * ${perRow}; j < (n + 1) * ${perRow}; j++) {
      let slot = slots[j];
      if (slot >= 0 && slot < uniforms.tableRows) {
        sum = sum + weights[j] * values[slot * ${vDim} + c];
      }
    }
    result[index] = sum;
  }`;
  }
}

/** One thread per entry: the dot product of dy's row with the value row it read. */
class WeightGradProgram extends ValueReadProgram {
  variableNames = ['dy', 'values', 'slots'];

  constructor(sizes: ValueReadSizes, shape: number[]) {
    super('pkmValueReadWeightGrad', shape, sizes);
  }

  getUserCode(): string {
    const { perRow, vDim } = this.sizes;
    return `
  fn main(index: i32) {
    if (index >= uniforms.threads) { return; }
    let n = index / ${perRow};
    let slot = slots[index];
    var dot = 0.0;
    if (slot >= 0 && slot < uniforms.tableRows) {
      for (var c = 0; c < ${vDim}; c++) {
        dot = dot + dy[n * ${vDim} + c] * values[slot * ${vDim} + c];
      }
    }
    result[index] = dot;
  }`;
  }
}

/** One thread per element of the rows read: weight · dy. */
class RowGradProgram extends ValueReadProgram {
  variableNames = ['dy', 'weights'];

  constructor(sizes: ValueReadSizes, shape: number[]) {
    super('pkmValueReadRowGrad', shape, sizes);
  }

  getUserCode(): string {
    const { perRow, vDim } = this.sizes;
    return `
  fn main(index: i32) {
    if (index >= uniforms.threads) { return; }
    let j = index / ${vDim};
    let c = index - j * ${vDim};
    let n = j / ${perRow};
    result[index] = weights[j] * dy[n * ${vDim} + c];
  }`;
  }
}

function run(backend: unknown, program: ValueReadProgram, inputs: tf.TensorInfo[]): tf.TensorInfo {
  const uniforms = int32Uniforms(elementCount(program.outputShape), program.sizes.tableRows);
  return (backend as WebGpuProgramRunner).runWebGPUProgram(program, inputs, 'float32', uniforms);
}

const readKernel: tf.KernelFunc = ({ inputs, backend }) => {
  const [values, slots, weights] = ['values', 'slots', 'weights'].map((n) => valueReadInput(inputs, n));
  const sizes = valueReadSizes(values, slots, weights);
  return run(backend, new ReadProgram(sizes), [values, slots, weights]);
};

const gradKernel: tf.KernelFunc = ({ inputs, backend }) => {
  const [dy, values, slots, weights] = ['dy', 'values', 'slots', 'weights'].map((n) =>
    valueReadInput(inputs, n),
  );
  const sizes = valueReadSizes(values, slots, weights);
  const dWeights = run(backend, new WeightGradProgram(sizes, weights.shape), [dy, values, slots]);
  const dRows = run(backend, new RowGradProgram(sizes, [...weights.shape, sizes.vDim]), [dy, weights]);
  return [dWeights, dRows];
};

export const WEBGPU_VALUE_READ_KERNELS: tf.KernelConfig[] = [
  { kernelName: VALUE_READ, backendName: 'webgpu', kernelFunc: readKernel },
  { kernelName: VALUE_READ_GRAD, backendName: 'webgpu', kernelFunc: gradKernel },
];
