import type * as tf from '@tensorflow/tfjs';
import {
  CROSS_ENTROPY,
  CROSS_ENTROPY_GRAD,
  crossEntropyInput,
  crossEntropySizes,
} from '../crossEntropyKernels';
import { type CpuBackendLike, valuesOf } from './backendArrays';

/**
 * The fused cross-entropy's loops over plain typed arrays, shared by the cpu kernels and the wasm
 * kernels (over views of the wasm heap). Float64 throughout, one float32 rounding per output.
 * Sum order: within a row j = 0..V−1, over rows r = 0..N−1, one after another. The forward is two
 * parts so the wasm SIMD kernel can replace the first (the O(N·V) row sums) and share the second
 * (the O(N) logs, targets and mean), which holds the out-of-range and non-finite rules.
 */

/**
 * Per row r: stats[2r] = max_j x, sums[r] = Σ_j exp(x − max) (float64). Each term adds x − x,
 * 0 for a finite x and NaN for NaN or ±Inf, so a non-finite value anywhere in the row (−Inf
 * included, which exp alone would turn into a harmless 0) makes the row's sum NaN.
 */
export function crossEntropyRowSums(
  logits: Float32Array,
  rows: number,
  cols: number,
  stats: Float32Array,
  sums: Float64Array,
): void {
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let max = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < cols; j++) if (logits[base + j] > max) max = logits[base + j];
    let sum = 0;
    for (let j = 0; j < cols; j++) {
      const v = logits[base + j];
      sum += Math.exp(v - max) + (v - v);
    }
    stats[2 * r] = max;
    sums[r] = sum;
  }
}

/**
 * From the row sums: stats[2r + 1] = log sums[r], and the mean over rows of lse − x[t] (float64,
 * returned). A row whose target is outside 0..V−1 adds logSum − logSum: 0, or NaN where the
 * row is non-finite (the reference's NaN·0 there is NaN too).
 */
export function crossEntropyFinish(
  logits: Float32Array,
  targets: Int32Array,
  rows: number,
  cols: number,
  stats: Float32Array,
  sums: Float64Array,
): number {
  let total = 0;
  for (let r = 0; r < rows; r++) {
    const logSum = Math.log(sums[r]);
    stats[2 * r + 1] = logSum;
    const t = targets[r];
    total += t >= 0 && t < cols ? stats[2 * r] - logits[r * cols + t] + logSum : logSum - logSum;
  }
  return total / rows;
}

/**
 * dx[r, j] = scale·(exp((x − max) − logSum)·keep − [j = t]) with scale = dy/N and keep = 1 where
 * the target is in range (0 otherwise: the row's gradient is 0, or NaN where the row is non-finite).
 */
export function crossEntropyGradRows(
  logits: Float32Array,
  targets: Int32Array,
  stats: Float32Array,
  scale: number,
  rows: number,
  cols: number,
  dx: Float32Array,
): void {
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    const max = stats[2 * r];
    const logSum = stats[2 * r + 1];
    const t = targets[r];
    const keep = t >= 0 && t < cols ? 1 : 0;
    for (let j = 0; j < cols; j++) {
      const p = Math.exp(logits[base + j] - max - logSum);
      dx[base + j] = scale * (p * keep - (j === t ? 1 : 0));
    }
  }
}

const OP = 'cross entropy';

const forwardKernel: tf.KernelFunc = ({ inputs, backend }) => {
  const b = backend as unknown as CpuBackendLike;
  const logits = crossEntropyInput(inputs, 'logits', 'float32', 'cpu');
  const targets = crossEntropyInput(inputs, 'targets', 'int32', 'cpu');
  const { rows, cols } = crossEntropySizes(logits, targets, 'cpu');
  const x = valuesOf(b, logits, Float32Array, OP);
  const stats = new Float32Array(2 * rows);
  const sums = new Float64Array(rows);
  crossEntropyRowSums(x, rows, cols, stats, sums);
  const loss = crossEntropyFinish(x, valuesOf(b, targets, Int32Array, OP), rows, cols, stats, sums);
  return [
    b.makeTensorInfo([], 'float32', Float32Array.of(loss)),
    b.makeTensorInfo([rows, 2], 'float32', stats),
  ];
};

const gradKernel: tf.KernelFunc = ({ inputs, backend }) => {
  const b = backend as unknown as CpuBackendLike;
  const [dy, logits, stats] = ['dy', 'logits', 'stats'].map((name) =>
    crossEntropyInput(inputs, name, 'float32', 'cpu'),
  );
  const targets = crossEntropyInput(inputs, 'targets', 'int32', 'cpu');
  const { rows, cols } = crossEntropySizes(logits, targets, 'cpu', stats, dy);
  const dx = new Float32Array(rows * cols);
  const scale = valuesOf(b, dy, Float32Array, OP)[0] / rows;
  crossEntropyGradRows(
    valuesOf(b, logits, Float32Array, OP),
    valuesOf(b, targets, Int32Array, OP),
    valuesOf(b, stats, Float32Array, OP),
    scale,
    rows,
    cols,
    dx,
  );
  return b.makeTensorInfo([rows, cols], 'float32', dx);
};

export const CPU_CROSS_ENTROPY_KERNELS: tf.KernelConfig[] = [
  { kernelName: CROSS_ENTROPY, backendName: 'cpu', kernelFunc: forwardKernel },
  { kernelName: CROSS_ENTROPY_GRAD, backendName: 'cpu', kernelFunc: gradKernel },
];
