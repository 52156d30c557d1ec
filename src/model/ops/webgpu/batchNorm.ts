import type * as tf from '@tensorflow/tfjs';
import { BATCH_NORM, BATCH_NORM_GRAD, batchNormInput, batchNormSizes } from '../batchNormKernels';
import { columnProgram, elementProgram, rowsColsUniforms, sumOverRows } from './columns';
import type { WebGpuProgramRunner } from './runProgram';

/**
 * The fused BatchNorm over rows on tfjs-backend-webgpu, in float32 (WGSL has no float64): column
 * statistics by one thread per column over the rows in order (no workgroup memory or barriers),
 * then one thread per element (columns.ts). Forward: mean, variance, y (3 dispatches where the
 * reference runs 9 kernels); backward: mean, variance, Σdy (the bias gradient's program), Σdy·x̂,
 * dx (5 where its autodiff runs ~26). Float32 sums of the rows in order, so they agree with the
 * reference to float32 rounding.
 */

/** x̂ of element `index` in column c (x, mean and variance are the program's inputs). */
const XHAT = `
  fn xhat(index: i32, c: i32) -> f32 {
    return (x[index] - mean[c]) * inverseSqrt(variance[c] + uniforms.eps);
  }
`;

const meanProgram = (cols: number) =>
  columnProgram('pkmBatchNormMean', ['x'], cols, 'x[at]', 'sum / f32(uniforms.rows)');
const varianceProgram = (cols: number) =>
  columnProgram(
    'pkmBatchNormVariance',
    ['x', 'mean'],
    cols,
    '(x[at] - mean[c]) * (x[at] - mean[c])',
    'sum / f32(uniforms.rows)',
  );

/** Runs the column statistics of x: [mean, variance], each [cols]. */
function columnStats(
  b: WebGpuProgramRunner,
  x: tf.TensorInfo,
  rows: number,
  cols: number,
  eps: number,
): [tf.TensorInfo, tf.TensorInfo] {
  const u = rowsColsUniforms(cols, rows, cols, eps);
  const mean = b.runWebGPUProgram(meanProgram(cols), [x], 'float32', u);
  const variance = b.runWebGPUProgram(varianceProgram(cols), [x, mean], 'float32', u);
  return [mean, variance];
}

const forwardKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const b = backend as unknown as WebGpuProgramRunner;
  const [x, gamma, beta] = ['x', 'gamma', 'beta'].map((name) => batchNormInput(inputs, name));
  const { rows, cols, eps } = batchNormSizes(x, [gamma, beta], [], attrs);
  const [mean, variance] = columnStats(b, x, rows, cols, eps);
  const normalise = elementProgram(
    'pkmBatchNormY',
    ['x', 'mean', 'variance', 'gamma', 'beta'],
    rows,
    cols,
    'xhat(index, c) * gamma[c] + beta[c]',
    XHAT,
  );
  const y = b.runWebGPUProgram(
    normalise,
    [x, mean, variance, gamma, beta],
    'float32',
    rowsColsUniforms(rows * cols, rows, cols, eps),
  );
  return [y, mean, variance];
};

const gradKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const b = backend as unknown as WebGpuProgramRunner;
  const [x, gamma, dy] = ['x', 'gamma', 'dy'].map((name) => batchNormInput(inputs, name));
  const { rows, cols, eps } = batchNormSizes(x, [gamma], [dy], attrs);
  const [mean, variance] = columnStats(b, x, rows, cols, eps);
  const dbeta = sumOverRows(b, dy, rows, cols);
  const dgamma = b.runWebGPUProgram(
    columnProgram(
      'pkmBatchNormDgamma',
      ['x', 'mean', 'variance', 'dy'],
      cols,
      'dy[at] * xhat(at, c)',
      'sum',
      XHAT,
    ),
    [x, mean, variance, dy],
    'float32',
    rowsColsUniforms(cols, rows, cols, eps),
  );
  // dx = gamma·rstd·(dy − mean(dy) − x̂·mean(dy·x̂)), the means being Σ/rows.
  const dxProgram = elementProgram(
    'pkmBatchNormDx',
    ['x', 'mean', 'variance', 'gamma', 'dy', 'dgamma', 'dbeta'],
    rows,
    cols,
    `gamma[c] * inverseSqrt(variance[c] + uniforms.eps) * (dy[index] - dbeta[c] / f32(uniforms.rows) - xhat(index, c) * (dgamma[c] / f32(uniforms.rows)))`,
    XHAT,
  );
  const dx = b.runWebGPUProgram(
    dxProgram,
    [x, mean, variance, gamma, dy, dgamma, dbeta],
    'float32',
    rowsColsUniforms(rows * cols, rows, cols, eps),
  );
  for (const t of [mean, variance]) b.disposeData(t.dataId);
  return [dx, dgamma, dbeta];
};

export const WEBGPU_BATCH_NORM_KERNELS: tf.KernelConfig[] = [
  { kernelName: BATCH_NORM, backendName: 'webgpu', kernelFunc: forwardKernel },
  { kernelName: BATCH_NORM_GRAD, backendName: 'webgpu', kernelFunc: gradKernel },
];
