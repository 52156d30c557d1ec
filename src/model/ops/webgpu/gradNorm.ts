import type * as tf from '@tensorflow/tfjs';
import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { SUM_SQUARES, sumSquaresInputs } from '../gradNormKernels';
import { elementCount, int32Uniforms, type WebGpuProgramRunner } from './runProgram';

/**
 * The sum of squares on tfjs-backend-webgpu, in ⌈n/7⌉ + 1 programs for n inputs. A tfjs program
 * binds its output and each input as a storage buffer, and the default limit is 8 per stage, so
 * one program reads at most 7 inputs. Each chunk program gives every one of its inputs G
 * workgroups (G from the largest input, ≤ 64); a workgroup sums the squares of a strided share of
 * its input and reduces them in workgroup memory to one partial, written to its own slot of one
 * shared partials tensor [n·G] (passed to every chunk program as its output: slots of different
 * chunks never overlap, and every slot is written, so nothing stale from tfjs's buffer pool is
 * read). A last single-workgroup program sums the partials. The order is fixed, so the result is
 * deterministic; it is float32 throughout (per thread in index order, then pairwise).
 *
 * WGSL lets a compiler assume there are no NaNs or infinities, so they are not left to the
 * arithmetic: each value is classified from its bits (finite, ±Inf, NaN), the worst class is
 * reduced with the sums, and a partial (and the result) is written as NaN or +Inf accordingly, as
 * the reference's square and sums would give. (An overflow of finite squares is left to the
 * hardware's +Inf.)
 */

const WORKGROUP = 256;
/** Elements a thread should at least sum before an input gets more workgroups. */
const ELEMENTS_PER_THREAD = 16;
const MAX_GROUPS = 64;
/** Inputs per chunk program: 8 storage buffers per stage, one of them the output. */
export const INPUTS_PER_PROGRAM = 7;

const REDUCE_WGSL = `
  const PKM_WG = ${WORKGROUP};
  var<workgroup> pkmSums: array<f32, PKM_WG>;
  var<workgroup> pkmClasses: array<u32, PKM_WG>;

  // 0 finite, 1 ±Inf, 2 NaN, from the bits.
  fn pkmClass(v: f32) -> u32 {
    let bits = bitcast<u32>(v) & 0x7fffffffu;
    return select(select(0u, 1u, bits == 0x7f800000u), 2u, bits > 0x7f800000u);
  }

  // Reduces every thread's (sum, class) into slot 0 of the workgroup arrays.
  fn pkmReduce(lid: i32, sum: f32, cls: u32) {
    pkmSums[lid] = sum;
    pkmClasses[lid] = cls;
    workgroupBarrier();
    for (var s = PKM_WG / 2; s > 0; s = s / 2) {
      if (lid < s) {
        pkmSums[lid] = pkmSums[lid] + pkmSums[lid + s];
        pkmClasses[lid] = max(pkmClasses[lid], pkmClasses[lid + s]);
      }
      workgroupBarrier();
    }
  }

  fn pkmReduced() -> f32 {
    let cls = pkmClasses[0];
    return select(select(pkmSums[0], uniforms.INFINITY, cls == 1u), uniforms.NAN, cls == 2u);
  }
`;

abstract class SumProgram implements WebGPUProgram {
  abstract outputShape: number[];
  abstract shaderKey: string;
  abstract variableNames: string[];
  abstract dispatch: [number, number, number];
  dispatchLayout = { x: [0] };
  workgroupSize: [number, number, number] = [WORKGROUP, 1, 1];
  abstract getUserCode(): string;
}

/** Inputs t0 … t(k−1) (flattened) → partials[(first + j)·G + g] for input j, workgroup g of its G. */
class ChunkSquaresProgram extends SumProgram {
  outputShape: number[];
  shaderKey: string;
  variableNames: string[];
  dispatch: [number, number, number];
  uniforms = 'groups : i32, firstInput : i32,';

  constructor(inputs: number, groups: number, partials: number) {
    super();
    this.variableNames = Array.from({ length: inputs }, (_, j) => `t${j}`);
    this.outputShape = [partials];
    this.shaderKey = `pkmSumSquaresChunk_${inputs}`;
    this.dispatch = [inputs * groups, 1, 1];
  }

  getUserCode(): string {
    const cases = this.variableNames
      .map(
        (t, j) => `
      case ${j}: {
        for (var i = start; i < uniforms.${t}Shape; i += stride) {
          let v = ${t}[i];
          sum = sum + v * v;
          cls = max(cls, pkmClass(v));
        }
      }`,
      )
      .join('');
    return `${REDUCE_WGSL}
  fn main(index: i32) {
    let lid = i32(localIndex);
    let w = i32(workgroupId.x);
    let which = w / uniforms.groups;
    let g = w - which * uniforms.groups;
    let start = g * PKM_WG + lid;
    let stride = uniforms.groups * PKM_WG;
    var sum = 0.0;
    var cls = 0u;
    switch which {${cases}
      default: {}
    }
    pkmReduce(lid, sum, cls);
    if (lid == 0) {
      result[(uniforms.firstInput + which) * uniforms.groups + g] = pkmReduced();
    }
  }`;
  }
}

/** partials [m] → their sum, [1]: one workgroup. */
class SumPartialsProgram extends SumProgram {
  outputShape = [1];
  shaderKey = 'pkmSumSquaresTotal';
  variableNames = ['partials'];
  dispatch: [number, number, number] = [1, 1, 1];

  getUserCode(): string {
    return `${REDUCE_WGSL}
  fn main(index: i32) {
    let lid = i32(localIndex);
    var sum = 0.0;
    var cls = 0u;
    for (var i = lid; i < uniforms.partialsShape; i += PKM_WG) {
      let v = partials[i];
      sum = sum + v;
      cls = max(cls, pkmClass(v));
    }
    pkmReduce(lid, sum, cls);
    if (lid == 0) {
      result[0] = pkmReduced();
    }
  }`;
  }
}

const sumSquaresKernel: tf.KernelFunc = ({ inputs, backend }) => {
  const b = backend as unknown as WebGpuProgramRunner;
  // Empty inputs add nothing (and a zero-size buffer cannot be bound); all are read flat.
  const list = sumSquaresInputs(inputs)
    .filter((t) => elementCount(t.shape) > 0)
    .map((t): tf.TensorInfo => ({ dataId: t.dataId, shape: [elementCount(t.shape)], dtype: 'float32' }));
  if (list.length === 0) return b.makeTensorInfo([], 'float32', Float32Array.of(0));
  const largest = Math.max(...list.map((t) => t.shape[0]));
  const groups = Math.min(MAX_GROUPS, Math.ceil(largest / (WORKGROUP * ELEMENTS_PER_THREAD)));
  const partials = b.makeTensorInfo([list.length * groups], 'float32');
  for (let first = 0; first < list.length; first += INPUTS_PER_PROGRAM) {
    const chunk = list.slice(first, first + INPUTS_PER_PROGRAM);
    const program = new ChunkSquaresProgram(chunk.length, groups, list.length * groups);
    b.runWebGPUProgram(program, chunk, 'float32', int32Uniforms(groups, first), partials);
  }
  const total = b.runWebGPUProgram(new SumPartialsProgram(), [partials], 'float32');
  b.disposeData(partials.dataId);
  // A [1] result handed out as a scalar (what tfjs's Reshape does, without a second reference).
  return { dataId: total.dataId, shape: [], dtype: 'float32' };
};

export const WEBGPU_GRAD_NORM_KERNELS: tf.KernelConfig[] = [
  { kernelName: SUM_SQUARES, backendName: 'webgpu', kernelFunc: sumSquaresKernel },
];
