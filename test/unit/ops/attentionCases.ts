import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { expect } from 'vitest';
import { causalMask } from '../../../src/model/layers';
import { RandomStream } from '../../../src/model/memory/random';
import { attentionCore, attentionCoreReference, fusedAttentionCore } from '../../../src/model/ops/attention';
import { withKernelMode } from '../../../src/model/ops/kernelMode';
import { expectClose, kernelsOf } from './layerNormCases';

/** The checks of the fused attention core shared by the cpu/wasm and webgpu test files. */

export type Op = (qkv: tf.Tensor3D, heads: number) => tf.Tensor3D;

export const fusedOp: Op = fusedAttentionCore;
export const referenceOp: Op = (qkv, heads) =>
  tf.tidy(() => attentionCoreReference(qkv, heads, causalMask(qkv.shape[1])));

export interface Case {
  /** [B, T, H, dh]. */
  sizes: [number, number, number, number];
  qkv: Float32Array;
  dy: Float32Array;
}

/**
 * (B, T, H, dh): one position, odd sizes, the default model's B 16, T 32, H 4, dh 16, and for the
 * SIMD kernel sixteen columns plus four and rows past a multiple of four (2, 9, 2, 20).
 */
export const SIZES: [number, number, number, number][] = [
  [2, 1, 2, 4],
  [2, 7, 3, 5],
  [2, 9, 2, 20],
  [1, 5, 1, 64],
  [16, 32, 4, 16],
];

/** qkv uniform in ±1.5 (scores up to ~2·dh/√dh: softmax rows from flat to peaked), dy in ±1. */
export function randomCase(sizes: Case['sizes'], seed: number): Case {
  const [b, t, h, dh] = sizes;
  const rng = new RandomStream(seed, b * t, h * dh);
  const qkv = rng.fillUniform(new Float32Array(b * t * 3 * h * dh), 1.5);
  const dy = rng.fillUniform(new Float32Array(b * t * h * dh), 1);
  return { sizes, qkv, dy };
}

export interface Result {
  y: Float32Array;
  dqkv: Float32Array;
}

/** y and the gradient of Σ y·dy w.r.t. qkv, read back. */
export async function run(op: Op, c: Case): Promise<Result> {
  const [b, t, h, dh] = c.sizes;
  const qkv = tf.tensor3d(c.qkv, [b, t, 3 * h * dh]);
  const dy = tf.tensor3d(c.dy, [b, t, h * dh]);
  const y = op(qkv, h);
  const [dqkv] = tf.grads((a: tf.Tensor) => op(a as tf.Tensor3D, h))([qkv], dy);
  const [yv, dv] = (await Promise.all([y.data(), dqkv.data()])) as Float32Array[];
  tf.dispose([qkv, dy, y, dqkv]);
  return { y: yv, dqkv: dv };
}

/**
 * Fused = reference to float32 tolerance. y is a convex combination of values (|y| ≤ 1.5) whose
 * weights differ by float32 rounding of scores (dh products) and exp: a few ulps, 2e-6 of scale.
 * dqkv sums up to T·dh products through the softmax Jacobian (p·(dP − D), a cancellation) in
 * another order: 1e-5 of its largest magnitude.
 */
export function expectSameResult(fused: Result, reference: Result, yTol = 2e-6, gradTol = 1e-5): void {
  expectClose(fused.y, reference.y, yTol, 'y');
  expectClose(fused.dqkv, reference.dqkv, gradTol, 'dqkv');
}

/**
 * The fused gradient against central differences of the fused forward in float32 at `count`
 * coordinates of qkv spread over q, k and v; returns how many miss. L = Σ y·dy is summed in float32
 * (|L| ≲ 10, rounding ~1e-6), so with h = 1e-2 the quotient's rounding error is ~1e-4 and the
 * O(h²) term ~1e-4 for these smooth inputs: tolerance 2e-3 + 1% of the derivative.
 */
export async function finiteDifferenceErrors(c: Case, count: number): Promise<number> {
  const eps = 1e-2;
  const [b, t, h, dh] = c.sizes;
  const analytic = await run(fusedOp, c);
  const dy = tf.tensor3d(c.dy, [b, t, h * dh]);
  const loss = async (values: Float32Array): Promise<number> => {
    const l = tf.tidy(() => tf.sum(tf.mul(fusedOp(tf.tensor3d(values, [b, t, 3 * h * dh]), h), dy)));
    const v = (await l.data())[0];
    l.dispose();
    return v;
  };
  let bad = 0;
  for (let n = 0; n < count; n++) {
    const i = Math.floor(((n + 0.5) / count) * c.qkv.length);
    const plus = c.qkv.slice();
    const minus = c.qkv.slice();
    plus[i] += eps;
    minus[i] -= eps;
    const fd = ((await loss(plus)) - (await loss(minus))) / (plus[i] - minus[i]);
    if (!(Math.abs(fd - analytic.dqkv[i]) <= 2e-3 + 1e-2 * Math.abs(analytic.dqkv[i]))) bad++;
  }
  dy.dispose();
  return bad;
}

/** The kernels of `attentionCore` forward and with its gradient, in `mode`. */
export async function kernelsInMode(
  mode: 'fused' | 'reference',
): Promise<{ forward: string[]; grad: string[] }> {
  // dh 4: on wasm the model runs the fused op only where its SIMD kernels do (dh a multiple of 4).
  const c = randomCase([2, 4, 2, 4], 2);
  const qkv = tf.tensor3d(c.qkv, [2, 4, 24]);
  const dy = tf.tensor3d(c.dy, [2, 4, 8]);
  const mask = causalMask(4);
  const out = await withKernelMode(mode, () => ({
    forward: kernelsOf(() => attentionCore(qkv, 2, mask)),
    grad: kernelsOf(() => tf.grads((a: tf.Tensor) => attentionCore(a as tf.Tensor3D, 2, mask))([qkv], dy)),
  }));
  tf.dispose([qkv, dy, mask]);
  return out;
}

/** numTensors after a warm-up call equals numTensors after four more (fused, and in 'reference' mode). */
export async function tensorCountDrift(): Promise<number> {
  const c = randomCase([2, 3, 2, 4], 5);
  // The reference's intermediates are freed by tidy, as in the model; its own mask by attentionCore.
  const core: Op = (qkv, heads) => tf.tidy(() => attentionCore(qkv, heads));
  await run(fusedOp, c);
  await withKernelMode('reference', () => run(core, c));
  const before = tf.memory().numTensors;
  for (let i = 0; i < 4; i++) {
    await run(fusedOp, c);
    await withKernelMode('reference', () => run(core, c));
  }
  return tf.memory().numTensors - before;
}

export function expectFusedKernels(fused: { forward: string[]; grad: string[] }): void {
  expect(fused.forward).toEqual(['PkmAttention']);
  expect(fused.grad).toEqual(['PkmAttention', 'PkmAttentionGrad']);
}
