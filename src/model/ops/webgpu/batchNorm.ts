import type * as tf from '@tensorflow/tfjs';
import { BATCH_NORM, BATCH_NORM_GRAD, batchNormInput, batchNormSizes } from '../batchNormKernels';
import { FlatProgram, type Uniform, type WebGpuProgramRunner } from './runProgram';

/**
 * The fused BatchNorm over rows on tfjs-backend-webgpu, in float32 (WGSL has no float64): column
 * statistics by one thread per column over the rows in order (no workgroup memory or barriers),
 * then one thread per element. Forward: mean, variance, y (3 dispatches where the reference runs
 * 9 kernels); backward: mean, variance, Σdy, Σdy·x̂, dx (5 where its autodiff runs ~26). Float32
 * sums of the rows in order, so they agree with the reference to float32 rounding.
 */

const PROLOGUE = `
  fn xhat(index: i32, c: i32) -> f32 {
    return (x[index] - mean[c]) * inverseSqrt(variance[c] + uniforms.eps);
  }
`;

/** A program over `threads` threads with (threads, rows, cols, eps) as uniforms. */
abstract class BatchNormProgram extends FlatProgram {
  uniforms = 'threads : i32, rows : i32, cols : i32, eps : f32,';

  constructor(
    name: string,
    readonly variableNames: string[],
    outputShape: number[],
    threads: number,
    private readonly body: string,
  ) {
    super(name, outputShape, Math.max(1, threads));
  }

  getUserCode(): string {
    return `${this.variableNames.includes('variance') ? PROLOGUE : ''}
  fn main(index: i32) {
    if (index >= uniforms.threads) { return; }
    ${this.body}
  }`;
  }
}

/** Per column c (a thread each): a float32 sum over the rows, in order, of `term` (r·cols + c at `at`). */
class ColumnProgram extends BatchNormProgram {
  constructor(name: string, variableNames: string[], cols: number, term: string, finish: string) {
    super(
      name,
      variableNames,
      [cols],
      cols,
      `let c = index;
    var sum = 0.0;
    for (var r = 0; r < uniforms.rows; r++) {
      let at = r * uniforms.cols + c;
      sum += ${term};
    }
    result[c] = ${finish};`,
    );
  }
}

/** Per element of [rows, cols]: `value` (c is the element's column). */
class ElementProgram extends BatchNormProgram {
  constructor(name: string, variableNames: string[], rows: number, cols: number, value: string) {
    super(
      name,
      variableNames,
      [rows, cols],
      rows * cols,
      `let c = index % uniforms.cols;\n    result[index] = ${value};`,
    );
  }
}

const meanProgram = (cols: number) =>
  new ColumnProgram('pkmBatchNormMean', ['x'], cols, 'x[at]', 'sum / f32(uniforms.rows)');
const varianceProgram = (cols: number) =>
  new ColumnProgram(
    'pkmBatchNormVariance',
    ['x', 'mean'],
    cols,
    '(x[at] - mean[c]) * (x[at] - mean[c])',
    'sum / f32(uniforms.rows)',
  );

function uniforms(threads: number, rows: number, cols: number, eps: number): Uniform[] {
  return [
    { type: 'int32', data: [threads] },
    { type: 'int32', data: [rows] },
    { type: 'int32', data: [cols] },
    { type: 'float32', data: [eps] },
  ];
}

/** Runs the column statistics of x: [mean, variance], each [cols]. */
function columnStats(
  b: WebGpuProgramRunner,
  x: tf.TensorInfo,
  rows: number,
  cols: number,
  eps: number,
): [tf.TensorInfo, tf.TensorInfo] {
  const u = uniforms(cols, rows, cols, eps);
  const mean = b.runWebGPUProgram(meanProgram(cols), [x], 'float32', u);
  const variance = b.runWebGPUProgram(varianceProgram(cols), [x, mean], 'float32', u);
  return [mean, variance];
}

const forwardKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const b = backend as unknown as WebGpuProgramRunner;
  const [x, gamma, beta] = ['x', 'gamma', 'beta'].map((name) => batchNormInput(inputs, name));
  const { rows, cols, eps } = batchNormSizes(x, [gamma, beta], [], attrs);
  const [mean, variance] = columnStats(b, x, rows, cols, eps);
  const normalise = new ElementProgram(
    'pkmBatchNormY',
    ['x', 'mean', 'variance', 'gamma', 'beta'],
    rows,
    cols,
    'xhat(index, c) * gamma[c] + beta[c]',
  );
  const y = b.runWebGPUProgram(
    normalise,
    [x, mean, variance, gamma, beta],
    'float32',
    uniforms(rows * cols, rows, cols, eps),
  );
  return [y, mean, variance];
};

const gradKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const b = backend as unknown as WebGpuProgramRunner;
  const [x, gamma, dy] = ['x', 'gamma', 'dy'].map((name) => batchNormInput(inputs, name));
  const { rows, cols, eps } = batchNormSizes(x, [gamma], [dy], attrs);
  const [mean, variance] = columnStats(b, x, rows, cols, eps);
  const u = uniforms(cols, rows, cols, eps);
  const dbeta = b.runWebGPUProgram(
    new ColumnProgram('pkmBatchNormDbeta', ['dy'], cols, 'dy[at]', 'sum'),
    [dy],
    'float32',
    u,
  );
  const dgamma = b.runWebGPUProgram(
    new ColumnProgram(
      'pkmBatchNormDgamma',
      ['x', 'mean', 'variance', 'dy'],
      cols,
      'dy[at] * xhat(at, c)',
      'sum',
    ),
    [x, mean, variance, dy],
    'float32',
    u,
  );
  // dx = gamma·rstd·(dy − mean(dy) − x̂·mean(dy·x̂)), the means being Σ/rows.
  const dxProgram = new ElementProgram(
    'pkmBatchNormDx',
    ['x', 'mean', 'variance', 'gamma', 'dy', 'dgamma', 'dbeta'],
    rows,
    cols,
    `gamma[c] * inverseSqrt(variance[c] + uniforms.eps) * (dy[index] - dbeta[c] / f32(uniforms.rows) - xhat(index, c) * (dgamma[c] / f32(uniforms.rows)))`,
  );
  const dx = b.runWebGPUProgram(
    dxProgram,
    [x, mean, variance, gamma, dy, dgamma, dbeta],
    'float32',
    uniforms(rows * cols, rows, cols, eps),
  );
  for (const t of [mean, variance]) b.disposeData(t.dataId);
  return [dx, dgamma, dbeta];
};

export const WEBGPU_BATCH_NORM_KERNELS: tf.KernelConfig[] = [
  { kernelName: BATCH_NORM, backendName: 'webgpu', kernelFunc: forwardKernel },
  { kernelName: BATCH_NORM_GRAD, backendName: 'webgpu', kernelFunc: gradKernel },
];
