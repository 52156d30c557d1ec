import type * as tf from '@tensorflow/tfjs';
import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import {
  LAYER_NORM,
  LAYER_NORM_GRAD,
  type LayerNormSizes,
  layerNormInput,
  layerNormSizes,
} from '../layerNormKernels';

/**
 * The fused LayerNorm on tfjs-backend-webgpu, as WGSL programs run by its runWebGPUProgram.
 * Row programs run one workgroup of 64 lanes per row: the lanes stride over the row's columns
 * (coalesced reads) and sum through workgroup memory, in float32. Dispatches are flat; tfjs folds
 * one above 65,535 workgroups into 2D (or 3D) and getGlobalIndex() unfolds it, so a workgroup
 * past the last row still runs (its lanes must reach every barrier) but reads and writes nothing.
 * The gradient is four programs in one kernel: row statistics [rows, 2] (mean, rstd), dx by row,
 * then dgamma and dbeta by one thread per column looping over the rows.
 */

const LANES = 64;

const SHARED_WGSL = `
  const LANES = ${LANES};
  var<workgroup> partial: array<vec2<f32>, ${LANES}>;

  // The sum of v over the workgroup's lanes, given to every lane. Call in uniform control flow.
  fn rowSum(v: vec2<f32>, lane: i32) -> vec2<f32> {
    partial[lane] = v;
    workgroupBarrier();
    for (var s = LANES / 2; s > 0; s = s / 2) {
      if (lane < s) { partial[lane] = partial[lane] + partial[lane + s]; }
      workgroupBarrier();
    }
    let total = partial[0];
    // No lane may overwrite partial before every lane has read the total.
    workgroupBarrier();
    return total;
  }

  // (mean, 1/sqrt(variance + eps)) of row x[row]: two passes, as tf.moments.
  fn rowStats(row: i32, lane: i32, valid: bool) -> vec2<f32> {
    let d = uniforms.cols;
    let base = row * d;
    var s = 0.0;
    if (valid) {
      for (var j = lane; j < d; j += LANES) { s += x[base + j]; }
    }
    let mean = rowSum(vec2<f32>(s, 0.0), lane).x / f32(d);
    var q = 0.0;
    if (valid) {
      for (var j = lane; j < d; j += LANES) {
        let c = x[base + j] - mean;
        q += c * c;
      }
    }
    let variance = rowSum(vec2<f32>(q, 0.0), lane).x / f32(d);
    return vec2<f32>(mean, inverseSqrt(variance + uniforms.eps));
  }`;

/** Row index and lane of this thread; `valid` is false in workgroups past the last row. */
const ROW_WGSL = `
    let row = index / LANES;
    let lane = index - row * LANES;
    let valid = row < uniforms.rows;
    let d = uniforms.cols;
    let base = row * d;`;

abstract class LayerNormProgram implements WebGPUProgram {
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [LANES, 1, 1];
  uniforms = 'rows : i32, cols : i32, eps : f32,';
  abstract variableNames: string[];

  /** `workgroups` flat workgroups of 64 threads. */
  constructor(
    public shaderKey: string,
    public outputShape: number[],
    workgroups: number,
  ) {
    this.dispatch = [workgroups, 1, 1];
  }

  abstract getUserCode(): string;
}

/** Forward: y = (x − mean)·rstd·gamma + beta, one workgroup per row. */
class ForwardProgram extends LayerNormProgram {
  variableNames = ['x', 'gamma', 'beta'];

  constructor(shape: number[], rows: number) {
    super('pkmLayerNorm', shape, rows);
  }

  getUserCode(): string {
    return `${SHARED_WGSL}
  fn main(index: i32) {${ROW_WGSL}
    let stats = rowStats(row, lane, valid);
    if (valid) {
      for (var j = lane; j < d; j += LANES) {
        result[base + j] = (x[base + j] - stats.x) * stats.y * gamma[j] + beta[j];
      }
    }
  }`;
  }
}

/** Gradient, first: the row statistics [rows, 2] (mean, rstd) that the other three read. */
class StatsProgram extends LayerNormProgram {
  variableNames = ['x'];

  constructor(rows: number) {
    super('pkmLayerNormStats', [rows, 2], rows);
  }

  getUserCode(): string {
    return `${SHARED_WGSL}
  fn main(index: i32) {${ROW_WGSL}
    let stats = rowStats(row, lane, valid);
    if (valid && lane == 0) {
      result[row * 2] = stats.x;
      result[row * 2 + 1] = stats.y;
    }
  }`;
  }
}

/** dx = rstd·(g − mean(g) − x̂·mean(g·x̂)) with g = dy·gamma, x̂ = (x − mean)·rstd; by row. */
class DxProgram extends LayerNormProgram {
  variableNames = ['x', 'gamma', 'dy', 'stats'];

  constructor(shape: number[], rows: number) {
    super('pkmLayerNormDx', shape, rows);
  }

  getUserCode(): string {
    return `${SHARED_WGSL}
  fn main(index: i32) {${ROW_WGSL}
    var mean = 0.0;
    var rstd = 0.0;
    var acc = vec2<f32>(0.0, 0.0);
    if (valid) {
      mean = stats[row * 2];
      rstd = stats[row * 2 + 1];
      for (var j = lane; j < d; j += LANES) {
        let g = dy[base + j] * gamma[j];
        acc += vec2<f32>(g, g * (x[base + j] - mean) * rstd);
      }
    }
    let means = rowSum(acc, lane) / f32(d);
    if (valid) {
      for (var j = lane; j < d; j += LANES) {
        let xhat = (x[base + j] - mean) * rstd;
        result[base + j] = rstd * (dy[base + j] * gamma[j] - means.x - xhat * means.y);
      }
    }
  }`;
  }
}

/** dgamma = Σ_rows dy·x̂ or dbeta = Σ_rows dy: one thread per column, looping over the rows. */
class ParamGradProgram extends LayerNormProgram {
  variableNames: string[];

  constructor(
    private readonly param: 'gamma' | 'beta',
    d: number,
  ) {
    super(`pkmLayerNormD${param}`, [d], Math.ceil(d / LANES));
    this.variableNames = param === 'gamma' ? ['x', 'dy', 'stats'] : ['dy'];
  }

  getUserCode(): string {
    const term = this.param === 'gamma' ? 'dy[at] * (x[at] - stats[r * 2]) * stats[r * 2 + 1]' : 'dy[at]';
    return `
  fn main(index: i32) {
    if (index >= uniforms.cols) { return; }
    var acc = 0.0;
    for (var r = 0; r < uniforms.rows; r++) {
      let at = r * uniforms.cols + index;
      acc += ${term};
    }
    result[index] = acc;
  }`;
  }
}

interface Uniform {
  type: 'int32' | 'float32';
  data: number[];
}

/** The part of tfjs-backend-webgpu's WebGPUBackend used here. */
interface WebGpuProgramRunner {
  runWebGPUProgram(
    program: WebGPUProgram,
    inputs: tf.TensorInfo[],
    outputDtype: tf.DataType,
    programDefinedUniform?: Uniform[],
  ): tf.TensorInfo;
  disposeData(dataId: object): boolean;
}

function uniforms({ rows, d, eps }: LayerNormSizes): Uniform[] {
  return [
    { type: 'int32', data: [rows] },
    { type: 'int32', data: [d] },
    { type: 'float32', data: [eps] },
  ];
}

const forwardKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const b = backend as unknown as WebGpuProgramRunner;
  const [x, gamma, beta] = ['x', 'gamma', 'beta'].map((name) => layerNormInput(inputs, name));
  const sizes = layerNormSizes(x, [gamma, beta], [], attrs);
  return b.runWebGPUProgram(
    new ForwardProgram(x.shape, sizes.rows),
    [x, gamma, beta],
    'float32',
    uniforms(sizes),
  );
};

const gradKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const b = backend as unknown as WebGpuProgramRunner;
  const [x, gamma, dy] = ['x', 'gamma', 'dy'].map((name) => layerNormInput(inputs, name));
  const sizes = layerNormSizes(x, [gamma], [dy], attrs);
  const u = uniforms(sizes);
  const stats = b.runWebGPUProgram(new StatsProgram(sizes.rows), [x], 'float32', u);
  const dx = b.runWebGPUProgram(new DxProgram(x.shape, sizes.rows), [x, gamma, dy, stats], 'float32', u);
  const dgamma = b.runWebGPUProgram(new ParamGradProgram('gamma', sizes.d), [x, dy, stats], 'float32', u);
  const dbeta = b.runWebGPUProgram(new ParamGradProgram('beta', sizes.d), [dy], 'float32', u);
  // Freed once the queued programs that read it have run (tfjs defers it).
  b.disposeData(stats.dataId);
  return [dx, dgamma, dbeta];
};

export const WEBGPU_LAYER_NORM_KERNELS: tf.KernelConfig[] = [
  { kernelName: LAYER_NORM, backendName: 'webgpu', kernelFunc: forwardKernel },
  { kernelName: LAYER_NORM_GRAD, backendName: 'webgpu', kernelFunc: gradKernel },
];
