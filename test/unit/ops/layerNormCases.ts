import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { expect, vi } from 'vitest';
import { RandomStream } from '../../../src/model/memory/random';
import { withKernelMode } from '../../../src/model/ops/kernelMode';
import { fusedLayerNorm, layerNorm, layerNormReference } from '../../../src/model/ops/layerNorm';

/** The checks of the fused LayerNorm shared by the cpu/wasm and webgpu test files. */

export const EPS = 1e-5;

export type Op = (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number) => tf.Tensor;

export const fusedOp: Op = fusedLayerNorm;
export const referenceOp: Op = layerNormReference;

/** x shapes of the forward and gradient cases: d from 1 to past a workgroup's 64, rank 2 and 3. */
export const SHAPES: number[][] = [1, 3, 64, 130].flatMap((d) => [
  [7, d],
  [2, 3, d],
]);

export interface Case {
  shape: number[];
  x: Float32Array;
  gamma: Float32Array;
  beta: Float32Array;
  dy: Float32Array;
}

/** x around an offset (as activations are) with a per-row spread; gamma around 1, beta around 0. */
export function randomCase(shape: number[], seed: number): Case {
  const rng = new RandomStream(seed, shape.length, shape[shape.length - 1]);
  const d = shape[shape.length - 1];
  const size = shape.reduce((a, b) => a * b, 1);
  const x = new Float32Array(size);
  for (let r = 0; r < size / d; r++) {
    const offset = 4 * rng.next() - 2;
    const spread = 0.1 + 3 * rng.next();
    for (let j = 0; j < d; j++) x[r * d + j] = offset + spread * (2 * rng.next() - 1);
  }
  const gamma = new Float32Array(d).map(() => 0.5 + rng.next());
  const beta = rng.fillUniform(new Float32Array(d), 0.5);
  const dy = rng.fillUniform(new Float32Array(size), 1);
  return { shape, x, gamma, beta, dy };
}

export interface Result {
  y: Float32Array;
  dx: Float32Array;
  dgamma: Float32Array;
  dbeta: Float32Array;
}

/** y and the gradients of Σ y·dy w.r.t. x, gamma and beta, read back. */
export async function run(op: Op, c: Case): Promise<Result> {
  const x = tf.tensor(c.x, c.shape);
  const gamma = tf.tensor1d(c.gamma);
  const beta = tf.tensor1d(c.beta);
  const dy = tf.tensor(c.dy, c.shape);
  const y = op(x, gamma, beta, EPS);
  const grads = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => op(a, g, b, EPS))(
    [x, gamma, beta],
    dy,
  );
  const [yv, dx, dgamma, dbeta] = (await Promise.all([y, ...grads].map((t) => t.data()))) as Float32Array[];
  tf.dispose([x, gamma, beta, dy, y, ...grads]);
  return { y: yv, dx, dgamma, dbeta };
}

/** |got − want| ≤ tol · max(1, max |want|) everywhere: a tolerance on the array's own scale. */
export function expectClose(got: Float32Array, want: Float32Array, tol: number, label: string): void {
  expect(got.length, label).toBe(want.length);
  const scale = want.reduce((m, v) => Math.max(m, Math.abs(v)), 1);
  let worst = 0;
  let nonFinite = 0;
  for (let i = 0; i < got.length; i++) {
    if (!Number.isFinite(got[i])) nonFinite++;
    worst = Math.max(worst, Math.abs(got[i] - want[i]));
  }
  expect(nonFinite, `${label}: non-finite values`).toBe(0);
  expect(worst / scale, label).toBeLessThanOrEqual(tol);
}

/**
 * Fused = reference to float32 tolerance. Both round every output to float32 and their sums
 * differ in order and precision only, so y (|y| ≲ sqrt(d)·gamma + beta) agrees to a few float32
 * ulps of its scale; the gradients sum d or N products and cancel (dx = rstd·(g − …)), so they
 * get 1e-5 of their largest magnitude (float32 ε ≈ 1.2e-7 times a sum of ≤ 130 terms).
 */
export function expectSameResult(fused: Result, reference: Result, yTol = 2e-6, gradTol = 1e-5): void {
  expectClose(fused.y, reference.y, yTol, 'y');
  expectClose(fused.dx, reference.dx, gradTol, 'dx');
  expectClose(fused.dgamma, reference.dgamma, gradTol, 'dgamma');
  expectClose(fused.dbeta, reference.dbeta, gradTol, 'dbeta');
}

/** Rows 0, 2 and 4 of constant value (variance 0: rstd = 1/sqrt(eps) ≈ 316) between random rows. */
export const CONSTANT_ROWS: readonly [number, number][] = [
  [0, 2],
  [2, -0.1],
  [4, 0],
];

export function constantRowsCase(d: number): Case {
  const c = randomCase([5, d], 17);
  for (const [r, v] of CONSTANT_ROWS) c.x.fill(v, r * d, (r + 1) * d);
  return c;
}

/** The largest |y − beta| over the constant rows of constantRowsCase. */
export function constantRowsError(c: Case, y: Float32Array): number {
  const d = c.gamma.length;
  let worst = 0;
  for (const [r] of CONSTANT_ROWS) {
    for (let j = 0; j < d; j++) worst = Math.max(worst, Math.abs(y[r * d + j] - c.beta[j]));
  }
  return worst;
}

/**
 * The fused op's gradient against central differences of its own forward in float32, at every
 * coordinate of x, gamma and beta; returns how many miss. L = Σ y·dy is summed on the device in
 * float32: with h = 2e-3 its rounding moves the quotient by ~1e-4, and the O(h²) curvature term
 * stays below that for rows of spread ≥ 0.1 (measured worst 1.7e-4 on these cases), so the
 * tolerance is 1e-3 + 0.1% of the derivative: a gradient off by 1% fails it.
 */
export async function finiteDifferenceErrors(c: Case): Promise<number> {
  const h = 2e-3;
  const analytic = await run(fusedOp, c);
  const dy = tf.tensor(c.dy, c.shape);
  const loss = async (x: Float32Array, gamma: Float32Array, beta: Float32Array): Promise<number> => {
    const l = tf.tidy(() => {
      const y = fusedOp(tf.tensor(x, c.shape), tf.tensor1d(gamma), tf.tensor1d(beta), EPS);
      return tf.sum(tf.mul(y, dy));
    });
    const value = (await l.data())[0];
    l.dispose();
    return value;
  };
  let bad = 0;
  const check = async (which: 0 | 1 | 2, grad: Float32Array) => {
    const arrays = [c.x, c.gamma, c.beta];
    for (let i = 0; i < arrays[which].length; i++) {
      const plus = arrays.map((a) => a.slice());
      const minus = arrays.map((a) => a.slice());
      plus[which][i] += h;
      minus[which][i] -= h;
      const fd =
        ((await loss(plus[0], plus[1], plus[2])) - (await loss(minus[0], minus[1], minus[2]))) /
        (plus[which][i] - minus[which][i]);
      if (!(Math.abs(fd - grad[i]) <= 1e-3 + 1e-3 * Math.abs(grad[i]))) bad++;
    }
  };
  await check(0, analytic.dx);
  await check(1, analytic.dgamma);
  await check(2, analytic.dbeta);
  dy.dispose();
  return bad;
}

/** Compute kernels (all but the view kernels) that `fn` runs, by name, in order. */
export function kernelsOf(fn: () => tf.Tensor | tf.Tensor[]): string[] {
  const names: string[] = [];
  const engine = tf.engine();
  const original = engine.runKernel.bind(engine);
  const spy = vi.spyOn(engine, 'runKernel').mockImplementation((name, inputs, attrs) => {
    if (!['Reshape', 'Identity', 'ExpandDims'].includes(name)) names.push(name);
    return original(name, inputs, attrs);
  });
  try {
    tf.dispose(fn());
  } finally {
    spy.mockRestore();
  }
  return names;
}

/** The kernels of `layerNorm` forward and with its gradient, in `mode`. */
export async function kernelsInMode(
  mode: 'fused' | 'reference',
): Promise<{ forward: string[]; grad: string[] }> {
  const c = randomCase([3, 5, 8], 2);
  const x = tf.tensor(c.x, c.shape);
  const gamma = tf.tensor1d(c.gamma);
  const beta = tf.tensor1d(c.beta);
  const dy = tf.tensor(c.dy, c.shape);
  const out = await withKernelMode(mode, () => ({
    forward: kernelsOf(() => layerNorm(x, gamma, beta, EPS)),
    grad: kernelsOf(() =>
      tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => layerNorm(a, g, b, EPS))([x, gamma, beta], dy),
    ),
  }));
  tf.dispose([x, gamma, beta, dy]);
  return out;
}

/** numTensors after a warm-up call equals numTensors after four more. */
export async function tensorCountDrift(): Promise<number> {
  const c = randomCase([2, 3, 7], 5);
  await run(fusedOp, c);
  const before = tf.memory().numTensors;
  for (let i = 0; i < 4; i++) await run(fusedOp, c);
  return tf.memory().numTensors - before;
}
