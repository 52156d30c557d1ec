import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import { RandomStream } from '../../../src/model/memory/random';
import {
  fusedMeanCrossEntropy,
  meanCrossEntropy,
  meanCrossEntropyReference,
} from '../../../src/model/ops/crossEntropy';
import { type KernelMode, withKernelMode } from '../../../src/model/ops/kernelMode';
import { kernelsOf } from './layerNormCases';

/**
 * The checks of the fused mean cross-entropy shared by the cpu/wasm (crossEntropy.test.ts) and
 * WebGPU (crossEntropy.webgpu.test.ts) files; each runs on whatever backend is active.
 */

export type Op = (logits: tf.Tensor2D, targets: tf.Tensor1D) => tf.Scalar;

export const fusedOp: Op = fusedMeanCrossEntropy;
export const referenceOp: Op = meanCrossEntropyReference;

export interface Case {
  rows: number;
  cols: number;
  logits: Float32Array;
  targets: Int32Array;
  /** The upstream gradient of the loss (a scalar): not 1, so the kernels' use of dy is checked. */
  dy: number;
}

/**
 * Logits uniform in ±spread around a per-row offset (as the model's are), targets in range; a
 * row's target is sometimes its largest logit, so p − 1 near 0 is covered.
 */
export function randomCase(rows: number, cols: number, seed: number, spread = 4): Case {
  const rng = new RandomStream(seed, rows, cols);
  const logits = new Float32Array(rows * cols);
  const targets = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const offset = 10 * rng.next() - 5;
    for (let j = 0; j < cols; j++) logits[r * cols + j] = offset + spread * (2 * rng.next() - 1);
    targets[r] = Math.floor(rng.next() * cols);
    if (r % 3 === 0) logits[r * cols + targets[r]] += 3 * spread;
  }
  return { rows, cols, logits, targets, dy: 1.7 };
}

export interface Result {
  loss: number;
  grad: Float32Array;
}

/** The loss and d(dy·loss)/dlogits through `op`, read back. */
export async function run(op: Op, c: Case): Promise<Result> {
  const logits = tf.tensor2d(c.logits, [c.rows, c.cols]);
  const targets = tf.tensor1d(c.targets, 'int32');
  const dy = tf.scalar(c.dy);
  const loss = op(logits, targets);
  const grad = tf.grad((x: tf.Tensor) => op(x as tf.Tensor2D, targets))(logits, dy);
  const out = { loss: (await loss.data())[0], grad: (await grad.data()) as Float32Array };
  tf.dispose([logits, targets, dy, loss, grad]);
  return out;
}

/**
 * Float64 brute force, straight from the definition: lse_r = max + log Σ exp(x − max), loss =
 * mean_r (lse_r − x[t_r]) with out-of-range rows adding 0, grad = dy/N·(softmax − onehot), rows
 * with an out-of-range target 0.
 */
export function bruteForce(c: Case): Result {
  const { rows, cols } = c;
  const grad = new Float32Array(rows * cols);
  let total = 0;
  for (let r = 0; r < rows; r++) {
    const row = Array.from(c.logits.subarray(r * cols, (r + 1) * cols));
    const max = Math.max(...row);
    const lse = max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0));
    const t = c.targets[r];
    if (t < 0 || t >= cols) continue;
    total += lse - row[t];
    for (let j = 0; j < cols; j++) {
      grad[r * cols + j] = (c.dy / rows) * (Math.exp(row[j] - lse) - (j === t ? 1 : 0));
    }
  }
  return { loss: total / rows, grad };
}

export interface Tolerance {
  /** Loss: relative, to max(1, |loss|) (a loss near 0 is a cancellation of terms of size ~1 or more). */
  loss: number;
  /** Gradient: absolute, in units of dy/N (each entry is dy/N times a number in [−1, 1]). */
  grad: number;
}

/**
 * cpu and wasm against float64: sums in float64 rounded once; the SIMD exp is within ~1 float32
 * ulp, and the gradient's exp argument (x − max) − logSum carries logSum's float32 rounding.
 * Measured worst over these cases, every path: loss 4e−8 relative, gradient 7.5e−8 of dy/N.
 */
export const CPU_TOLERANCE: Tolerance = { loss: 2e-7, grad: 2e-7 };

/**
 * Fused against the reference: the reference's float32 chain (logSoftmax, a float32 mean) is
 * itself off float64 by up to 6e−7 (loss, N = 512) and 2.2e−6 of dy/N (gradient) on wasm.
 */
export const REFERENCE_TOLERANCE: Tolerance = { loss: 2e-6, grad: 5e-6 };

/** |got − want| within tolerance, loss and every gradient entry; reported at the worst entry. */
export function expectSameResult(got: Result, want: Result, c: Case, tol: Tolerance, label: string): void {
  expect(Number.isFinite(got.loss), `${label}: loss ${got.loss}`).toBe(true);
  expect(Math.abs(got.loss - want.loss), `${label}: loss ${got.loss} vs ${want.loss}`).toBeLessThanOrEqual(
    tol.loss * Math.max(1, Math.abs(want.loss)),
  );
  expect(got.grad.length).toBe(want.grad.length);
  const unit = Math.abs(c.dy) / c.rows;
  let worst = 0;
  let at = 0;
  for (let i = 0; i < got.grad.length; i++) {
    const err = Math.abs(got.grad[i] - want.grad[i]) / unit;
    if (!(err <= worst)) [worst, at] = [err, i];
  }
  expect(worst, `${label}: gradient[${at}] ${got.grad[at]} vs ${want.grad[at]}`).toBeLessThanOrEqual(
    tol.grad,
  );
}

/** Fused = float64 brute force to `tol` and = reference to `refTol` on `c`, loss and gradient. */
export async function expectFusedMatches(
  c: Case,
  tol: Tolerance,
  refTol: Tolerance = REFERENCE_TOLERANCE,
): Promise<void> {
  const fused = await run(fusedOp, c);
  expectSameResult(fused, bruteForce(c), c, tol, 'fused vs float64');
  expectSameResult(fused, await run(referenceOp, c), c, refTol, 'fused vs reference');
}

/** Rows of logits at ±80 (and one at ±1e4): exp(±80) overflows or vanishes in float32 without the max. */
export function largeLogitsCase(): Case {
  const c = randomCase(6, 37, 5, 1);
  for (let r = 0; r < c.rows; r++) {
    for (let j = 0; j < c.cols; j++) c.logits[r * c.cols + j] = (j + r) % 3 === 0 ? 80 : -80;
  }
  // Row 1: one 80 among −80s at the target; row 2: all equal; row 3: huge but finite.
  c.logits.fill(-80, c.cols, 2 * c.cols);
  c.logits[c.cols + c.targets[1]] = 80;
  c.logits.fill(80, 2 * c.cols, 3 * c.cols);
  for (let j = 0; j < c.cols; j++) c.logits[3 * c.cols + j] = j % 2 === 0 ? 1e4 : -1e4 + j;
  return c;
}

/** Targets −1, V, V + 5, and the int32 extremes in a random case: those rows select nothing. */
export function outOfRangeCase(): Case {
  const c = randomCase(8, 13, 6);
  c.targets.set([-1, c.cols, c.cols + 5, 2 ** 31 - 1, -(2 ** 31)], 1);
  return c;
}

/**
 * Out-of-range rows: the reference's loss and gradient (each such row adds 0 and gets a zero
 * gradient, still counting in N), which the brute force encodes too.
 */
export async function expectOutOfRangeLikeReference(tol: Tolerance, refTol?: Tolerance): Promise<void> {
  const c = outOfRangeCase();
  await expectFusedMatches(c, tol, refTol);
  const { grad } = await run(fusedOp, c);
  for (let r = 1; r <= 5; r++) {
    expect(grad.subarray(r * c.cols, (r + 1) * c.cols).every((v) => v === 0)).toBe(true);
  }
}

/** One non-finite logit in row 2: the loss is NaN (any target), other rows' gradients stay finite. */
export async function expectNonFiniteLoss(): Promise<void> {
  const c = randomCase(4, 9, 7);
  const target = c.targets[2];
  for (const [value, column, t] of [
    [Number.NaN, 0, target],
    [Number.POSITIVE_INFINITY, 3, target],
    [Number.NEGATIVE_INFINITY, (target + 1) % c.cols, target],
    [Number.NEGATIVE_INFINITY, target, target],
    [Number.NaN, 4, -1],
  ] as const) {
    const bad = { ...c, logits: c.logits.slice(), targets: c.targets.slice() };
    bad.logits[2 * c.cols + column] = value;
    bad.targets[2] = t;
    const fused = await run(fusedOp, bad);
    expect(Number.isFinite(fused.loss), `${value} at column ${column}, target ${t}`).toBe(false);
    const others = [0, 1, 3].flatMap((r) => Array.from(fused.grad.subarray(r * c.cols, (r + 1) * c.cols)));
    expect(others.every(Number.isFinite)).toBe(true);
    // The reference is non-finite there too (logSoftmax's NaN or −Inf, times the one-hot's 0 or 1).
    expect(Number.isFinite((await run(referenceOp, bad)).loss)).toBe(false);
  }
}

/**
 * The fused gradient against central differences of the fused loss, at every logit of a small
 * case. The loss is float32 (~2–4, ulp ≤ 4.8e−7): with h = 1e−2 its rounding moves the quotient
 * by ≤ 2.4e−5 and the h² term (|∂³lse| ≤ 1 per row, over N) by ≤ 1e−5; each entry is dy/N·(p − onehot)
 * ~ 0.1–0.5, so 1e−4 fails a gradient off by 0.1% anywhere.
 */
export async function finiteDifferenceErrors(c: Case): Promise<number> {
  const h = 1e-2;
  const { grad } = await run(fusedOp, c);
  const targets = tf.tensor1d(c.targets, 'int32');
  const loss = async (logits: Float32Array) => {
    const l = tf.tidy(() => fusedOp(tf.tensor2d(logits, [c.rows, c.cols]), targets).mul(c.dy));
    const v = (await l.data())[0];
    l.dispose();
    return v;
  };
  let bad = 0;
  for (let i = 0; i < c.logits.length; i++) {
    const plus = c.logits.slice();
    const minus = c.logits.slice();
    plus[i] += h;
    minus[i] -= h;
    const fd = ((await loss(plus)) - (await loss(minus))) / (plus[i] - minus[i]);
    if (!(Math.abs(fd - grad[i]) <= 1e-4)) bad++;
  }
  targets.dispose();
  return bad;
}

/** The compute kernels of `meanCrossEntropy` forward and with its gradient, in `mode`. */
export async function kernelsInMode(mode: KernelMode): Promise<{ forward: string[]; grad: string[] }> {
  const c = randomCase(5, 11, 2);
  const logits = tf.tensor2d(c.logits, [c.rows, c.cols]);
  const targets = tf.tensor1d(c.targets, 'int32');
  const dy = tf.scalar(c.dy);
  const out = await withKernelMode(mode, () => ({
    forward: kernelsOf(() => meanCrossEntropy(logits, targets)),
    grad: kernelsOf(() => tf.grad((x: tf.Tensor) => meanCrossEntropy(x as tf.Tensor2D, targets))(logits, dy)),
  }));
  tf.dispose([logits, targets, dy]);
  return out;
}

/** 'fused' runs one kernel forward and one backward; 'reference' the plain ops, no fused kernel. */
export async function expectKernelCounts(): Promise<void> {
  const fused = await kernelsInMode('fused');
  expect(fused.forward).toEqual(['PkmCrossEntropy']);
  expect(fused.grad).toEqual(['PkmCrossEntropy', 'PkmCrossEntropyGrad']);
  const reference = await kernelsInMode('reference');
  expect(reference.forward).toContain('Exp');
  expect(reference.forward).toContain('OneHot');
  expect(reference.grad.length).toBeGreaterThan(15);
  expect([...reference.forward, ...reference.grad].some((n) => n.startsWith('PkmCrossEntropy'))).toBe(false);
}

/** numTensors after a warm-up call equals numTensors after many more (forward and backward). */
export async function tensorCountDrift(): Promise<number> {
  const c = randomCase(6, 10, 4);
  await run(fusedOp, c);
  const before = tf.memory().numTensors;
  for (let i = 0; i < 20; i++) await run(fusedOp, c);
  return tf.memory().numTensors - before;
}
