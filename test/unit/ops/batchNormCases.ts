import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { expect } from 'vitest';
import { RandomStream } from '../../../src/model/memory/random';
import {
  type BatchNormResult,
  batchNormRows,
  batchNormRowsReference,
  fusedBatchNormRows,
} from '../../../src/model/ops/batchNorm';
import { withKernelMode } from '../../../src/model/ops/kernelMode';
import { kernelsOf } from './layerNormCases';

/** The checks of the fused BatchNorm over rows, for the cpu/wasm test file. */

export const EPS = 1e-5;

export type Op = (x: tf.Tensor2D, gamma: tf.Tensor1D, beta: tf.Tensor1D, eps: number) => BatchNormResult;

export const fusedOp: Op = fusedBatchNormRows;
export const referenceOp: Op = batchNormRowsReference;

/** [rows, cols]: the memory's [512, 128], odd widths (the SIMD kernels' last lone column), few rows. */
export const SHAPES: [number, number][] = [
  [512, 128],
  [7, 3],
  [33, 5],
  [9, 127],
  [2, 4],
];

export interface Case {
  rows: number;
  cols: number;
  x: Float32Array;
  gamma: Float32Array;
  beta: Float32Array;
  dy: Float32Array;
}

/** x with a per-column offset (±offset) and spread; gamma around 1, beta around 0; dy uniform. */
export function randomCase(rows: number, cols: number, seed: number, offset = 2, spread = 3): Case {
  const rng = new RandomStream(seed, rows, cols);
  const x = new Float32Array(rows * cols);
  for (let c = 0; c < cols; c++) {
    const at = offset * (2 * rng.next() - 1);
    const s = spread * (0.05 + rng.next());
    for (let r = 0; r < rows; r++) x[r * cols + c] = at + s * (2 * rng.next() - 1);
  }
  const gamma = new Float32Array(cols).map(() => 0.5 + rng.next());
  const beta = rng.fillUniform(new Float32Array(cols), 0.5);
  const dy = rng.fillUniform(new Float32Array(rows * cols), 1);
  return { rows, cols, x, gamma, beta, dy };
}

export interface Result {
  y: Float32Array;
  mean: Float32Array;
  variance: Float32Array;
  dx: Float32Array;
  dgamma: Float32Array;
  dbeta: Float32Array;
}

/** The op's outputs and the gradients of Σ y·dy w.r.t. x, gamma and beta, read back. */
export async function run(op: Op, c: Case): Promise<Result> {
  const x = tf.tensor2d(c.x, [c.rows, c.cols]);
  const gamma = tf.tensor1d(c.gamma);
  const beta = tf.tensor1d(c.beta);
  const dy = tf.tensor2d(c.dy, [c.rows, c.cols]);
  const out = op(x, gamma, beta, EPS);
  const grads = tf.grads(
    (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
      op(a as tf.Tensor2D, g as tf.Tensor1D, b as tf.Tensor1D, EPS).y,
  )([x, gamma, beta], dy);
  const tensors = [out.y, out.mean, out.variance, ...grads];
  const [y, mean, variance, dx, dgamma, dbeta] = (await Promise.all(
    tensors.map((t) => t.data()),
  )) as Float32Array[];
  tf.dispose([x, gamma, beta, dy, ...tensors]);
  return { y, mean, variance, dx, dgamma, dbeta };
}

/**
 * The float64 brute force, column by column straight from the definitions (another loop order
 * than the kernels'), each output rounded to float32 once.
 */
export function bruteForce(c: Case): Result {
  const { rows, cols } = c;
  const e = Math.fround(EPS);
  const r = {
    y: new Float32Array(rows * cols),
    mean: new Float32Array(cols),
    variance: new Float32Array(cols),
    dx: new Float32Array(rows * cols),
    dgamma: new Float32Array(cols),
    dbeta: new Float32Array(cols),
  };
  for (let j = 0; j < cols; j++) {
    const col = Array.from({ length: rows }, (_, i) => c.x[i * cols + j]);
    const up = Array.from({ length: rows }, (_, i) => c.dy[i * cols + j]);
    const mean = col.reduce((a, v) => a + v, 0) / rows;
    const variance = col.reduce((a, v) => a + (v - mean) ** 2, 0) / rows;
    const rstd = 1 / Math.sqrt(variance + e);
    const xhat = col.map((v) => (v - mean) * rstd);
    const sumDy = up.reduce((a, v) => a + v, 0);
    const sumDyX = up.reduce((a, v, i) => a + v * xhat[i], 0);
    r.mean[j] = mean;
    r.variance[j] = variance;
    r.dgamma[j] = sumDyX;
    r.dbeta[j] = sumDy;
    for (let i = 0; i < rows; i++) {
      r.y[i * cols + j] = xhat[i] * c.gamma[j] + c.beta[j];
      r.dx[i * cols + j] = c.gamma[j] * rstd * (up[i] - sumDy / rows - (xhat[i] * sumDyX) / rows);
    }
  }
  return r;
}

/** |got − want| ≤ tol · max(1, max |want|) everywhere (NaN only where want is NaN). */
export function expectClose(got: Float32Array, want: Float32Array, tol: number, label: string): void {
  expect(got.length, label).toBe(want.length);
  const scale = want.reduce((m, v) => (Number.isNaN(v) ? m : Math.max(m, Math.abs(v))), 1);
  let worst = 0;
  for (let i = 0; i < got.length; i++) {
    expect(Number.isNaN(got[i]), `${label}[${i}] NaN`).toBe(Number.isNaN(want[i]));
    if (!Number.isNaN(want[i])) worst = Math.max(worst, Math.abs(got[i] - want[i]));
  }
  expect(worst / scale, label).toBeLessThanOrEqual(tol);
}

const KEYS = ['y', 'mean', 'variance', 'dx', 'dgamma', 'dbeta'] as const;

/**
 * Every output within tolerance of `want`: y, mean and variance to `valueTol` of their scale,
 * the gradients (sums of N products that cancel in dx) to `gradTol` of theirs.
 */
export function expectSameResult(got: Result, want: Result, valueTol: number, gradTol: number): void {
  for (const key of KEYS) expectClose(got[key], want[key], key.startsWith('d') ? gradTol : valueTol, key);
}

/** Bit for bit the same, NaN included. */
export function expectIdentical(got: Result, want: Result): void {
  for (const key of KEYS) {
    const diff = got[key].findIndex((v, i) => !Object.is(v, want[key][i]));
    expect(diff, `${key}: first index that differs`).toBe(-1);
  }
}

/**
 * The op's gradients against central differences of its own forward, at every coordinate of x,
 * gamma and beta; returns how many miss. L = Σ y·dy in float32 on the device: with h = 2e-3 its
 * rounding moves the quotient by ~1e-4, so the tolerance is 1e-3 + 0.1% of the derivative (a
 * gradient off by 1% fails it). Columns of spread ≥ 0.15 keep the O(h²) term below that.
 */
export async function finiteDifferenceErrors(op: Op, c: Case): Promise<number> {
  const h = 2e-3;
  const analytic = await run(op, c);
  const dy = tf.tensor2d(c.dy, [c.rows, c.cols]);
  const loss = async (x: Float32Array, gamma: Float32Array, beta: Float32Array): Promise<number> => {
    const l = tf.tidy(() => {
      const { y } = op(tf.tensor2d(x, [c.rows, c.cols]), tf.tensor1d(gamma), tf.tensor1d(beta), EPS);
      return tf.sum(tf.mul(y, dy));
    });
    const value = (await l.data())[0];
    l.dispose();
    return value;
  };
  let bad = 0;
  const grads = [analytic.dx, analytic.dgamma, analytic.dbeta];
  for (let which = 0; which < 3; which++) {
    const arrays = [c.x, c.gamma, c.beta];
    for (let i = 0; i < arrays[which].length; i++) {
      const plus = arrays.map((a) => a.slice());
      const minus = arrays.map((a) => a.slice());
      plus[which][i] += h;
      minus[which][i] -= h;
      const fd =
        ((await loss(plus[0], plus[1], plus[2])) - (await loss(minus[0], minus[1], minus[2]))) /
        (plus[which][i] - minus[which][i]);
      if (!(Math.abs(fd - grads[which][i]) <= 1e-3 + 1e-3 * Math.abs(grads[which][i]))) bad++;
    }
  }
  dy.dispose();
  return bad;
}

/** The kernels of `batchNormRows` forward and with its gradient, in `mode`. */
export async function kernelsInMode(
  mode: 'fused' | 'reference',
): Promise<{ forward: string[]; grad: string[] }> {
  const c = randomCase(6, 5, 2);
  const x = tf.tensor2d(c.x, [c.rows, c.cols]);
  const gamma = tf.tensor1d(c.gamma);
  const beta = tf.tensor1d(c.beta);
  const dy = tf.tensor2d(c.dy, [c.rows, c.cols]);
  const out = await withKernelMode(mode, () => ({
    forward: kernelsOf(() => {
      const r = batchNormRows(x, gamma, beta, EPS);
      return [r.y, r.mean, r.variance];
    }),
    grad: kernelsOf(() =>
      tf.grads(
        (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
          batchNormRows(a as tf.Tensor2D, g as tf.Tensor1D, b as tf.Tensor1D, EPS).y,
      )([x, gamma, beta], dy),
    ),
  }));
  tf.dispose([x, gamma, beta, dy]);
  return out;
}

/** numTensors after a warm-up call equals numTensors after four more. */
export async function tensorCountDrift(): Promise<number> {
  const c = randomCase(9, 7, 5);
  await run(fusedOp, c);
  const before = tf.memory().numTensors;
  for (let i = 0; i < 4; i++) await run(fusedOp, c);
  return tf.memory().numTensors - before;
}
