import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import { withKernelMode } from '../../../src/model/ops/kernelMode';
import { fusedSwapLastAvailable, swapLastAxes, swapLastReference } from '../../../src/model/ops/swapLast';
import { SWAP_LAST } from '../../../src/model/ops/swapLastKernels';
import { kernelsOf } from './layerNormCases';

/**
 * Checks of the swap of the last two axes shared by swapLast.test.ts (cpu, wasm with SIMD on and
 * off): each runs on whatever backend is active. The fused side calls the kernel itself (so the
 * wasm JS loops are reached with SIMD off, where swapLastAxes keeps tf.transpose), differentiated
 * through the gradient registered for it.
 */

/** Rows and columns off multiples of 4 (SIMD tails), one row or column (a copy), the model's. */
export const SHAPES: number[][] = [
  [1, 1],
  [1, 7],
  [7, 1],
  [5, 3],
  [4, 4],
  [8, 12],
  [64, 512],
  [512, 64],
  [513, 67],
  [3, 5, 7],
  [2, 64, 9],
  [4, 1, 5],
  [4, 5, 1],
  [2, 3, 5, 6],
  [2, 2, 13, 17],
];

/** The kernel itself: x [..., r, c] → [..., c, r]. */
export function swapKernel<T extends tf.Tensor>(x: T): T {
  return tf.engine().runKernel(SWAP_LAST, { x }) as T;
}

/** out[..., c, r] = x[..., r, c], computed here element by element (as 32-bit words). */
export function bruteSwap<T extends Float32Array | Int32Array>(x: T, shape: number[]): T {
  const [rows, cols] = shape.slice(-2);
  const out = x.slice() as T;
  const [from, to] = [bits(x), bits(out)];
  const size = rows * cols;
  for (let b = 0; b < x.length / size; b++)
    for (let r = 0; r < rows; r++)
      for (let c = 0; c < cols; c++) to[b * size + c * rows + r] = from[b * size + r * cols + c];
  return out;
}

/** Distinct finite float32 values of both signs and many magnitudes (any misplaced one shows). */
export function distinctValues(n: number, seed = 1): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
    out[i] = (i + 1 + s / 2 ** 32) * (s & 1 ? -1 : 1) * 2 ** (((s >>> 8) % 40) - 20);
  }
  return out;
}

export function bits(a: Float32Array | Int32Array): Uint32Array {
  return new Uint32Array(a.buffer, a.byteOffset, a.length);
}

/** a and b hold the same 32-bit words. */
export function expectSameBits(
  a: Float32Array | Int32Array,
  b: Float32Array | Int32Array,
  what: string,
): void {
  expect(a.length, what).toBe(b.length);
  const [x, y] = [bits(a), bits(b)];
  const at = x.findIndex((v, i) => v !== y[i]);
  expect(at === -1 ? null : `${what}[${at}]: ${a[at]} vs ${b[at]}`).toBeNull();
}

export interface SwapRun {
  y: Float32Array;
  dx: Float32Array;
  /** The kernels the forward alone ran, and the forward with the backward. */
  forwardKernels: string[];
  gradKernels: string[];
}

/** op(x) and the gradient of Σ op(x)·dy, i.e. dy swapped back, with the kernels each ran. */
export async function runSwap(
  op: (x: tf.Tensor) => tf.Tensor,
  x: Float32Array,
  shape: number[],
  dy: Float32Array,
): Promise<SwapRun> {
  const xt = tf.tensor(x, shape);
  const dyt = tf.tensor(dy, [...shape.slice(0, -2), shape[shape.length - 1], shape[shape.length - 2]]);
  const grad = tf.grad((v: tf.Tensor) => op(v));
  const forwardKernels = kernelsOf(() => op(xt));
  const gradKernels = kernelsOf(() => grad(xt, dyt));
  const y = op(xt);
  const dx = grad(xt, dyt);
  const [yv, dxv] = (await Promise.all([y.data(), dx.data()])) as Float32Array[];
  tf.dispose([xt, dyt, y, dx]);
  return { y: yv, dx: dxv, forwardKernels, gradKernels };
}

/**
 * The kernel against the reference and the element-by-element swap, bit for bit, forward and
 * gradient; one kernel forward and one backward, where the reference runs Transposes.
 */
export async function expectKernelMatchesReference(shape: number[], seed = 1): Promise<void> {
  const n = shape.reduce((a, b) => a * b, 1);
  const x = distinctValues(n, seed);
  const dy = distinctValues(n, seed + 100);
  const fused = await runSwap(swapKernel, x, shape, dy);
  const reference = await withKernelMode('reference', () => runSwap(swapLastReference, x, shape, dy));
  const swappedShape = [...shape.slice(0, -2), shape[shape.length - 1], shape[shape.length - 2]];
  expectSameBits(fused.y, reference.y, `forward ${shape}`);
  expectSameBits(fused.y, bruteSwap(x, shape), `forward ${shape} vs brute force`);
  expectSameBits(fused.dx, reference.dx, `gradient ${shape}`);
  expectSameBits(fused.dx, bruteSwap(dy, swappedShape), `gradient ${shape} vs brute force`);
  expect(fused.forwardKernels).toEqual([SWAP_LAST]);
  // The backward swaps dy through swapLastAxes: the kernel again, or tf.transpose where the op
  // keeps it (wasm without SIMD).
  const backward = (await withKernelMode('fused', fusedSwapLastAvailable)) ? SWAP_LAST : 'Transpose';
  expect(fused.gradKernels).toEqual([SWAP_LAST, backward]);
  expect(reference.forwardKernels).toEqual(['Transpose']);
  expect(reference.gradKernels.filter((k) => k === 'Transpose')).toHaveLength(2);
}

/** An int32 tensor through the kernel: the same words as tf.transpose's, extremes included. */
export async function expectInt32(shape: number[]): Promise<void> {
  const n = shape.reduce((a, b) => a * b, 1);
  const values = Int32Array.from({ length: n }, (_, i) => (i % 5 === 0 ? -(2 ** 31) + i : i * 7919 - 3));
  const x = tf.tensor(values, shape, 'int32');
  const [fused, reference] = [swapKernel(x), swapLastReference(x)];
  expect(fused.dtype).toBe('int32');
  expect(fused.shape).toEqual(reference.shape);
  expectSameBits((await fused.data()) as Int32Array, (await reference.data()) as Int32Array, 'int32');
  expectSameBits((await fused.data()) as Int32Array, bruteSwap(values, shape), 'int32 vs brute force');
  tf.dispose([x, fused, reference]);
}

/** NaN, ±Inf and −0 arrive where they belong (and, the kernel moving bits, NaN's payload too). */
export async function expectSpecialsPropagate(): Promise<void> {
  const specials = [Number.NaN, Infinity, -Infinity, -0, 0, 1e-45, -3.4e38];
  const shape = [3, 5, 6];
  const x = distinctValues(90, 7);
  specials.forEach((v, i) => {
    x[i * 13] = v;
  });
  // A NaN with a payload of its own: its bits must come through unchanged.
  bits(x)[44] = 0x7fc0_1234;
  const { y, dx } = await runSwap(swapKernel, x, shape, x.slice());
  const want = bruteSwap(x, shape);
  expectSameBits(y, want, 'specials');
  expect(y.filter(Number.isNaN)).toHaveLength(2);
  expect(Array.from(y).some((v) => Object.is(v, -0))).toBe(true);
  // dy (x's values read as [3, 6, 5]) swapped back.
  expectSameBits(dx, bruteSwap(x, [3, 6, 5]), 'specials gradient');
}

/** Repeated fused forward + backward leave no tensor behind. */
export async function expectNoLeak(op: (x: tf.Tensor) => tf.Tensor = swapKernel): Promise<void> {
  const x = distinctValues(13 * 17, 3);
  await runSwap(op, x, [13, 17], x);
  const before = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) await runSwap(op, x, [13, 17], x);
  expect(tf.memory().numTensors).toBe(before);
}

/** swapLastAxes in fused mode: the kernel where `fused` says so, else the reference's Transpose. */
export async function expectRouting(fused: boolean): Promise<void> {
  const x = tf.tensor(distinctValues(6, 2), [2, 3]);
  const viaOp = await withKernelMode('fused', () => kernelsOf(() => swapLastAxes(x)));
  expect(viaOp).toEqual([fused ? SWAP_LAST : 'Transpose']);
  const kept = await withKernelMode('fused', () => kernelsOf(() => swapLastAxes(x)), {
    referenceOps: ['swapLast'],
  });
  expect(kept).toEqual(['Transpose']);
  expect(await withKernelMode('reference', () => kernelsOf(() => swapLastAxes(x)))).toEqual(['Transpose']);
  // A dtype the kernel does not move, and a rank below 2.
  const b = tf.tensor([true, false, true, true, false, false], [2, 3], 'bool');
  expect(await withKernelMode('fused', () => kernelsOf(() => swapLastAxes(b)))).toEqual(['Transpose']);
  expect(() => swapLastAxes(tf.tensor1d([1, 2]))).toThrow(/rank/);
  tf.dispose([x, b]);
}
