import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import { geluGradLoop, geluLoop } from '../../../src/model/ops/cpu/gelu';
import { gelu, geluReference } from '../../../src/model/ops/gelu';
import { GELU, GELU_GRAD } from '../../../src/model/ops/geluKernels';
import { type KernelMode, withKernelMode } from '../../../src/model/ops/kernelMode';

/**
 * Checks shared by the fused GELU tests on cpu, wasm (gelu.test.ts) and WebGPU
 * (gelu.webgpu.test.ts): each runs on whatever backend is active.
 */

/** Deterministic values in [lo, hi). */
export function uniformValues(n: number, lo: number, hi: number, seed = 1): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
    out[i] = lo + ((hi - lo) * s) / 2 ** 32;
  }
  return out;
}

/**
 * The inputs every comparison covers: a dense sweep of the curved part, zero, the root of the
 * derivative (≈ −0.7518), both sides of the saturation cut at |x| = 10, and large |x|.
 */
export function sweep(): Float32Array {
  const special = [0, -0, 1e-6, -1e-6, 1e-3, -1e-3, -0.7518, 1, -1, 3, -3, 5, -5, 6, -6, 9.99, -9.99];
  const large = [10, -10, 10.01, -10.01, 30, -30, 1e4, -1e4, 1e6, -1e6, 3e7, -3e7];
  return Float32Array.from([...special, ...large, ...uniformValues(500, -8, 8, 7)]);
}

/** A fixed upstream gradient: values of both signs, none zero. */
export function upstream(n: number): Float32Array {
  return uniformValues(n, 0.25, 2, 11).map((v, i) => (i % 3 === 0 ? -v : v));
}

export interface GeluRun {
  y: Float32Array;
  dx: Float32Array;
  kernels: string[];
}

/** gelu(x) and d/dx Σ dy ⊙ gelu(x) through `op`, with the kernels they ran. */
export async function runGelu(
  op: (x: tf.Tensor) => tf.Tensor,
  x: Float32Array,
  dy: Float32Array,
  shape: number[] = [x.length],
): Promise<GeluRun> {
  const xt = tf.tensor(x, shape);
  const dyt = tf.tensor(dy, shape);
  let y: tf.Tensor | null = null;
  let dx: tf.Tensor | null = null;
  const profile = await tf.profile(() => {
    y = op(xt);
    dx = tf.grad((v: tf.Tensor) => op(v).mul(dyt).sum())(xt);
    return [y, dx];
  });
  const out = {
    y: (await y!.data()) as Float32Array,
    dx: (await dx!.data()) as Float32Array,
    kernels: profile.kernelNames,
  };
  tf.dispose([xt, dyt, y!, dx!]);
  return out;
}

/** `gelu` in one kernel mode. */
export function runInMode(mode: KernelMode, x: Float32Array, dy: Float32Array, shape?: number[]) {
  return withKernelMode(mode, () => runGelu(gelu, x, dy, shape));
}

/**
 * |got − want| ≤ atol + rtol·|want|, element-wise, reported at the worst element. NaN must meet
 * NaN, and ±Inf the same infinity.
 */
export function expectNear(got: Float32Array, want: Float32Array, rtol: number, atol: number, what: string) {
  expect(got.length).toBe(want.length);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < got.length; i++) {
    const [a, b] = [got[i], want[i]];
    if (Number.isNaN(b) || !Number.isFinite(b)) {
      if (!Object.is(a, b) && !(Number.isNaN(a) && Number.isNaN(b)))
        return expect(`${what}[${i}] = ${a}`).toBe(b);
      continue;
    }
    const excess = Math.abs(a - b) - (atol + rtol * Math.abs(b));
    if (!(excess <= worstExcess)) {
      worst = i;
      worstExcess = Number.isNaN(excess) ? Number.POSITIVE_INFINITY : excess;
    }
  }
  expect(worst === -1 ? null : `${what}[${worst}]: ${got[worst]} vs ${want[worst]}`).toBeNull();
}

/**
 * Tolerances against the reference. The reference rounds to float32 after each of its ~7 forward
 * ops (and its backward's ~18), and wasm's and WebGPU's sigmoid/exp are approximations a few ulps
 * off; the fused kernel rounds once. So the two differ by a few float32 ulps (6e−8 relative each)
 * of the terms involved: rtol 1e−5 bounds that with room. atol 1e−6 covers values near 0 — the
 * gradient's root near −0.75, where two terms of size ~0.2 cancel — and the tail x < −10, where the
 * reference's x·σ(z) is a denormal-sized nonzero and the fused kernel's 0.
 */
export const RTOL = 1e-5;
export const ATOL = 1e-6;

/** Fused and reference agree (forward and gradient), and each ran the kernels it should. */
export async function expectFusedMatchesReference(x: Float32Array, shape?: number[]): Promise<void> {
  const dy = upstream(x.length);
  const fused = await runInMode('fused', x, dy, shape);
  const reference = await runInMode('reference', x, dy, shape);
  // tf.profile lists top-level kernels only: the taped forward's PkmGelu runs nested in
  // customGrad (listed as 'forward'), so the untaped forward's is the one listed.
  expect(fused.kernels).toContain(GELU);
  expect(fused.kernels.filter((k) => k === GELU_GRAD)).toHaveLength(1);
  expect(fused.kernels).not.toContain('Sigmoid');
  expect(reference.kernels).toContain('Sigmoid');
  expect(reference.kernels).not.toContain(GELU);
  expectNear(fused.y, reference.y, RTOL, ATOL, 'gelu');
  expectNear(fused.dx, reference.dx, RTOL, ATOL * 2, 'gradient');
}

/** The limits past saturation, exactly, and finite gradients: large |x| and ±Inf. */
export async function expectLimits(): Promise<void> {
  const x = Float32Array.from([1e4, -1e4, 3e38, -3e38, Infinity, -Infinity, 10.5, -10.5]);
  const dy = Float32Array.from([1, 1, 1, 1, 1, 1, 2, 2]);
  const fused = await runInMode('fused', x, dy);
  // v + 0 turns −0 into 0: the sign of a zero is not part of the contract.
  const plain = (a: Float32Array) => Array.from(a, (v) => v + 0);
  expect(plain(fused.y)).toEqual([1e4, 0, Math.fround(3e38), 0, Infinity, 0, 10.5, 0]);
  expect(plain(fused.dx)).toEqual([1, 0, 1, 0, 1, 0, 2, 0]);
  // The reference is finite at ±1e4 as well, with the same values.
  const reference = await runInMode('reference', x.subarray(0, 2), dy.subarray(0, 2));
  expect(plain(reference.y)).toEqual([1e4, 0]);
  expect(plain(reference.dx)).toEqual([1, 0]);
}

/** NaN in x gives NaN out and a NaN gradient (the trainer's finiteness check relies on it). */
export async function expectNaNPropagates(): Promise<void> {
  const fused = await runInMode('fused', Float32Array.from([Number.NaN, 1]), Float32Array.from([1, 1]));
  expect(Number.isNaN(fused.y[0])).toBe(true);
  expect(Number.isNaN(fused.dx[0])).toBe(true);
  expect(Number.isFinite(fused.y[1]) && Number.isFinite(fused.dx[1])).toBe(true);
}

/**
 * The fused gradient against central differences of the fused forward, all in float32:
 * (gelu(x + h) − gelu(x − h)) / 2h with h = 1e−2. Truncation error h²/6·|gelu'''| ≤ ~3e−5 here,
 * rounding ulp(gelu)/h ≤ ~1e−4 for |gelu| ≤ 8: tolerance 5e−4.
 */
export async function expectFiniteDifferences(): Promise<void> {
  const x = Float32Array.from([...uniformValues(200, -6, 6, 3), -0.75, 0, 12, -12, 40, -40]);
  const h = 1e-2;
  const ones = new Float32Array(x.length).fill(1);
  const { dx } = await runInMode('fused', x, ones);
  const plus = await runInMode(
    'fused',
    x.map((v) => v + h),
    ones,
  );
  const minus = await runInMode(
    'fused',
    x.map((v) => v - h),
    ones,
  );
  const numeric = plus.y.map((p, i) => (p - minus.y[i]) / (2 * h));
  expectNear(dx, numeric, 0, 5e-4, 'gradient vs finite differences');
}

/** The active backend's fused results against the cpu loops (float64 per element) directly. */
export async function expectMatchesLoops(x: Float32Array, rtol: number, atol: number): Promise<void> {
  const dy = upstream(x.length);
  const fused = await runInMode('fused', x, dy);
  const y = new Float32Array(x.length);
  const dx = new Float32Array(x.length);
  geluLoop(x, y);
  geluGradLoop(dy, x, dx);
  expectNear(fused.y, y, rtol, atol, 'gelu vs loop');
  expectNear(fused.dx, dx, rtol, atol, 'gradient vs loop');
}

/** Repeated fused forward + backward leave no tensor behind. */
export async function expectNoLeak(): Promise<void> {
  const x = sweep();
  const dy = upstream(x.length);
  await runInMode('fused', x, dy);
  const before = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) await runInMode('fused', x, dy, [x.length]);
  expect(tf.memory().numTensors).toBe(before);
}

export { geluReference };
