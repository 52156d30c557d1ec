import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import { createMemory } from '../../../src/model/memory/createMemory';
import { RandomStream } from '../../../src/model/memory/random';
import { referenceSelectWithGradient } from '../../../src/model/memory/select';
import type { MemorySpec, MemoryWeights } from '../../../src/model/memory/types';
import { type KernelMode, withKernelMode } from '../../../src/model/ops/kernelMode';
import { fusedProductSelect, fusedProductTopK } from '../../../src/model/ops/productSelect';
import { PRODUCT_SCORE_TOPK, PRODUCT_TOPK } from '../../../src/model/ops/productSelectKernels';
import { makeSpec, uniform } from './helpers';

/**
 * Checks shared by the fused-selection tests on cpu, wasm (fusedSelect.test.ts) and WebGPU
 * (fusedSelect.webgpu.test.ts): each runs on whatever backend is active.
 */

export interface Read {
  slots: Int32Array;
  scores: Float32Array;
  output: Float32Array;
  kernels: string[];
}

/**
 * The module's eval read in one kernel mode, with the names of the kernels it ran. The value read
 * stays on its reference in both modes (it has its own fused kernel, tested in test/unit/ops),
 * so the outputs compare the selection alone, bit for bit.
 */
export async function readInMode(
  mode: KernelMode,
  spec: MemorySpec,
  weights: MemoryWeights,
  x: Float32Array,
  n: number,
): Promise<Read> {
  return withKernelMode(
    mode,
    async () => {
      const mod = createMemory(spec, { weights });
      const xt = tf.tensor2d(x, [n, spec.d_in]);
      let read: ReturnType<typeof mod.forward> | null = null;
      const profile = await tf.profile(() => {
        read = mod.forward(xt, 'eval');
        return [read.output, read.slots, read.scores, read.weights];
      });
      const r = read!;
      const [slots, scores, output] = await Promise.all([r.slots.data(), r.scores.data(), r.output.data()]);
      tf.dispose([xt, r.output, r.slots, r.scores, r.weights]);
      mod.dispose();
      return {
        slots: slots as Int32Array,
        scores: scores as Float32Array,
        output: output as Float32Array,
        kernels: profile.kernelNames,
      };
    },
    { referenceOps: ['valueRead'] },
  );
}

/** Bitwise equality of two float arrays, reported at the first difference. */
export function expectSameBits(got: Float32Array, want: Float32Array): void {
  expect(got.length).toBe(want.length);
  const a = new Uint32Array(got.buffer, got.byteOffset, got.length);
  const b = new Uint32Array(want.buffer, want.byteOffset, want.length);
  const at = a.findIndex((v, i) => v !== b[i]);
  expect(at === -1 ? null : `index ${at}: ${got[at]} vs ${want[at]}`).toBeNull();
}

export function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tolerance: number): void {
  expect(got.length).toBe(want.length);
  const scale = Math.max(1, ...Array.from(want, Math.abs));
  const worst = Array.from(got).reduce((m, v, i) => Math.max(m, Math.abs(v - want[i])), 0);
  expect(worst).toBeLessThanOrEqual(tolerance * scale);
}

type SelectOp = (
  q: tf.Tensor2D,
  keys: tf.Tensor,
  spec: MemorySpec,
) => { slots: tf.Tensor; scores: tf.Tensor };

/** Slots, scores and the gradient of Σ R ⊙ scores w.r.t. (q, keys) through one selection op. */
export async function selectAndGrad(
  op: SelectOp,
  spec: MemorySpec,
  q: Float32Array,
  keys: Float32Array,
  r: Float32Array,
) {
  const n = q.length / (spec.heads * spec.k_dim);
  const qt = tf.tensor2d(q, [n, spec.heads * spec.k_dim]);
  const kt = tf.tensor4d(keys, [spec.heads, 2, spec.n_keys, spec.k_dim / 2]);
  const rt = tf.tensor3d(r, [n, spec.heads, spec.knn]);
  let slots: tf.Tensor | null = null;
  let scores: tf.Tensor | null = null;
  const grads = tf.grads((a: tf.Tensor, b: tf.Tensor) => {
    const sel = op(a as tf.Tensor2D, b, spec);
    slots = tf.keep(sel.slots);
    scores = tf.keep(sel.scores);
    return tf.sum(tf.mul(sel.scores, rt));
  });
  const [dq, dKeys] = grads([qt, kt]);
  const out = {
    slots: (await slots!.data()) as Int32Array,
    scores: (await scores!.data()) as Float32Array,
    dq: (await dq.data()) as Float32Array,
    dKeys: (await dKeys.data()) as Float32Array,
  };
  tf.dispose([qt, kt, rt, slots!, scores!, dq, dKeys]);
  return out;
}

export const fusedOp: SelectOp = fusedProductSelect;
export const referenceOp: SelectOp = referenceSelectWithGradient;

/**
 * Sub-scores where float rounding makes a dominated rank pair tie with the pair above it:
 * half 0 ranks sub-key 1 (0.5) over sub-key 0 (0.25), half 1 has 2²⁴ at sub-key 0 (float32
 * spacing 2 there), and both sums round to 2²⁴. The total order (score desc, slot asc) puts
 * slot 0 (ranks (1, 0)) before slot 4 (ranks (0, 0)); a frontier that pops rank pairs in
 * dominance order would not.
 */
export function roundingTieCase() {
  const spec = makeSpec({ heads: 1, n_keys: 4, k_dim: 2, knn: 2 });
  const keys = Float32Array.from([0.25, 0.5, -5, -6, 2 ** 24, 0, -1, -2]);
  const q = Float32Array.from([1, 1]);
  return { spec, keys, q, slots: [0, 4] };
}

/**
 * Whether a profile shows a fused selection kernel (and not the reference's tf.topk): the top-k of
 * given sub-key scores, or on wasm with SIMD the one that computes the scores too.
 */
export function expectFusedKernels(kernels: string[], fused: boolean): void {
  expect(kernels.includes(PRODUCT_TOPK) || kernels.includes(PRODUCT_SCORE_TOPK)).toBe(fused);
  expect(kernels.includes('TopK')).toBe(!fused);
}

/** One training step as src/model/memory/README.md shows it, returning what it read and changed. */
export async function trainingStep(spec: MemorySpec, x: Float32Array, target: Float32Array, n: number) {
  const mem = createMemory(spec, { seed: 21 });
  const xt = tf.tensor2d(x, [n, spec.d_in]);
  const rt = tf.tensor2d(target, [n, spec.d_out]);
  const vars = [...mem.denseVariables(), ...mem.valueGradientVariables(n)];
  let slots: tf.Tensor | null = null;
  let output: tf.Tensor | null = null;
  const { value, grads } = tf.variableGrads(() => {
    const read = mem.forward(xt, 'train');
    slots = tf.keep(read.slots);
    output = tf.keep(read.output);
    return tf.sum(tf.mul(read.output, rt)) as tf.Scalar;
  }, vars);
  const dense = mem.denseVariables();
  const gradData = await Promise.all(vars.map(async (v) => (await grads[v.name].data()) as Float32Array));
  const optimizer = tf.train.sgd(0.05);
  optimizer.applyGradients(Object.fromEntries(dense.map((v) => [v.name, grads[v.name]])));
  await mem.applyValueGradients(
    mem.valueGradientVariables().map((v) => grads[v.name]),
    0.01,
  );
  mem.commitBatchStatistics();
  const after = mem.forward(xt, 'eval');
  const result = {
    slots: (await slots!.data()) as Int32Array,
    output: (await output!.data()) as Float32Array,
    grads: gradData,
    slotsAfter: (await after.slots.data()) as Int32Array,
    outputAfter: (await after.output.data()) as Float32Array,
  };
  tf.dispose([xt, rt, value, slots!, output!, after.output, after.slots, after.scores, after.weights]);
  tf.dispose(Object.values(grads));
  optimizer.dispose();
  mem.dispose();
  return result;
}

/** A step in each kernel mode: identical slots, outputs and gradients to float32 tolerance. */
export function expectSameStep(
  fused: Awaited<ReturnType<typeof trainingStep>>,
  reference: Awaited<ReturnType<typeof trainingStep>>,
): void {
  expect(Array.from(fused.slots)).toEqual(Array.from(reference.slots));
  expectClose(fused.output, reference.output, 1e-6);
  fused.grads.forEach((g, i) => {
    expectClose(g, reference.grads[i], 1e-5);
  });
  expect(Array.from(fused.slotsAfter)).toEqual(Array.from(reference.slotsAfter));
  expectClose(fused.outputAfter, reference.outputAfter, 1e-5);
}

/** Σ R ⊙ scores of the fused forward alone, and its slots. */
async function fusedLoss(spec: MemorySpec, q: Float32Array, keys: Float32Array, r: Float32Array) {
  const qt = tf.tensor2d(q, [q.length / (spec.heads * spec.k_dim), spec.heads * spec.k_dim]);
  const kt = tf.tensor4d(keys, [spec.heads, 2, spec.n_keys, spec.k_dim / 2]);
  const sel = fusedProductTopK(qt, kt, spec);
  const [slots, scores] = await Promise.all([sel.slots.data(), sel.scores.data()]);
  tf.dispose([qt, kt, sel.slots, sel.scores]);
  const value = (scores as Float32Array).reduce((acc, v, i) => acc + v * r[i], 0);
  return { slots: slots as Int32Array, value };
}

/**
 * The fused op's gradient against central differences of Σ R ⊙ scores, on every `stride`-th
 * coordinate of q and keys; coordinates whose perturbation changes a slot are skipped. Returns
 * how many were compared.
 */
export async function checkFiniteDifferences(
  spec: MemorySpec,
  seed: number,
  stride: number,
): Promise<number> {
  const rng = new RandomStream(seed, 3);
  const n = 5;
  const q = uniform(n * spec.heads * spec.k_dim, 1, rng);
  const keys = uniform(spec.heads * 2 * spec.n_keys * (spec.k_dim / 2), 1, rng);
  const r = uniform(n * spec.heads * spec.knn, 1, rng);
  const base = await selectAndGrad(fusedOp, spec, q, keys, r);
  const eps = 1e-2;
  let compared = 0;
  for (const [which, data, grad] of [
    ['q', q, base.dq],
    ['keys', keys, base.dKeys],
  ] as const) {
    for (let index = seed % stride; index < data.length; index += stride) {
      const plus = data.slice();
      const minus = data.slice();
      plus[index] += eps;
      minus[index] -= eps;
      const [a, b] =
        which === 'q'
          ? [await fusedLoss(spec, plus, keys, r), await fusedLoss(spec, minus, keys, r)]
          : [await fusedLoss(spec, q, plus, r), await fusedLoss(spec, q, minus, r)];
      const moved = (s: Int32Array) => s.some((v, i) => v !== base.slots[i]);
      if (moved(a.slots) || moved(b.slots)) continue;
      compared++;
      const numeric = (a.value - b.value) / (2 * eps);
      expect(Math.abs(grad[index] - numeric)).toBeLessThan(2e-3 + 1e-2 * Math.abs(numeric));
    }
  }
  return compared;
}
