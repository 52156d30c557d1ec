import type * as tf from '@tensorflow/tfjs';
import {
  LAYER_NORM,
  LAYER_NORM_GRAD,
  type LayerNormSizes,
  layerNormInput,
  layerNormSizes,
} from '../layerNormKernels';
import { FlatProgram, type Uniform, type WebGpuProgramRunner } from './runProgram';

/**
 * The fused LayerNorm on tfjs-backend-webgpu, as WGSL programs run by its runWebGPUProgram.
 * One thread per row for y and dx, summing in float32: no workgroup barriers, which a software
 * adapter (SwiftShader) runs ~100× slower than the plain loops, and at the model's sizes (512
 * rows of 64) a real GPU is bound by dispatches, not by these loops. Dispatches are flat (see
 * FlatProgram). The gradient is four programs in one kernel: the row
 * statistics [rows, 2] (mean, rstd), dx by row, then dgamma and dbeta by one thread per column
 * looping over the rows.
 */

/** (mean, 1/sqrt(variance + eps)) of x's row `row`: two passes, as tf.moments. */
const ROW_STATS_WGSL = `
  fn rowStats(row: i32) -> vec2<f32> {
    let d = uniforms.cols;
    let base = row * d;
    var s = 0.0;
    for (var j = 0; j < d; j++) { s += x[base + j]; }
    let mean = s / f32(d);
    var q = 0.0;
    for (var j = 0; j < d; j++) {
      let c = x[base + j] - mean;
      q += c * c;
    }
    return vec2<f32>(mean, inverseSqrt(q / f32(d) + uniforms.eps));
  }`;

abstract class LayerNormProgram extends FlatProgram {
  uniforms = 'rows : i32, cols : i32, eps : f32,';
}

/** Forward: y = (x − mean)·rstd·gamma + beta, one thread per row. */
class ForwardProgram extends LayerNormProgram {
  variableNames = ['x', 'gamma', 'beta'];

  constructor(shape: number[], rows: number) {
    super('pkmLayerNorm', shape, rows);
  }

  getUserCode(): string {
    return `${ROW_STATS_WGSL}
  fn main(row: i32) {
    if (row >= uniforms.rows) { return; }
    let stats = rowStats(row);
    let d = uniforms.cols;
    let base = row * d;
    for (var j = 0; j < d; j++) {
      result[base + j] = (x[base + j] - stats.x) * stats.y * gamma[j] + beta[j];
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
    return `${ROW_STATS_WGSL}
  fn main(row: i32) {
    if (row >= uniforms.rows) { return; }
    let stats = rowStats(row);
    result[row * 2] = stats.x;
    result[row * 2 + 1] = stats.y;
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
    return `
  fn main(row: i32) {
    if (row >= uniforms.rows) { return; }
    let d = uniforms.cols;
    let base = row * d;
    let mean = stats[row * 2];
    let rstd = stats[row * 2 + 1];
    var sumG = 0.0;
    var sumGX = 0.0;
    for (var j = 0; j < d; j++) {
      let g = dy[base + j] * gamma[j];
      sumG += g;
      sumGX += g * (x[base + j] - mean) * rstd;
    }
    let meanG = sumG / f32(d);
    let meanGX = sumGX / f32(d);
    for (var j = 0; j < d; j++) {
      let xhat = (x[base + j] - mean) * rstd;
      result[base + j] = rstd * (dy[base + j] * gamma[j] - meanG - xhat * meanGX);
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
    super(`pkmLayerNormD${param}`, [d], d);
    this.variableNames = param === 'gamma' ? ['x', 'dy', 'stats'] : ['dy'];
  }

  getUserCode(): string {
    const term = this.param === 'gamma' ? 'dy[at] * (x[at] - stats[r * 2]) * stats[r * 2 + 1]' : 'dy[at]';
    return `
  fn main(column: i32) {
    if (column >= uniforms.cols) { return; }
    var acc = 0.0;
    for (var r = 0; r < uniforms.rows; r++) {
      let at = r * uniforms.cols + column;
      acc += ${term};
    }
    result[column] = acc;
  }`;
  }
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
