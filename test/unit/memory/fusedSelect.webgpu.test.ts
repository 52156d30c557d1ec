import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { RandomStream } from '../../../src/model/memory/random';
import { withKernelMode } from '../../../src/model/ops/kernelMode';
import { fusedProductSelectAvailable, fusedProductTopK } from '../../../src/model/ops/productSelect';
import {
  PRODUCT_QUERY_GRAD,
  PRODUCT_SUBSCORE_GRAD,
  PRODUCT_TOPK,
} from '../../../src/model/ops/productSelectKernels';
import { runOnNodeWebgpu } from '../nodeWebgpu';
import {
  checkFiniteDifferences,
  expectClose,
  expectFusedKernels,
  expectSameBits,
  expectSameStep,
  fusedOp,
  readInMode,
  referenceOp,
  roundingTieCase,
  selectAndGrad,
  trainingStep,
} from './fusedSelectCases';
import { bruteForce, integers, integerWeights, makeSpec, uniform } from './helpers';

runOnNodeWebgpu();

async function onBackend(name: 'webgpu' | 'wasm'): Promise<void> {
  if (tf.getBackend() !== name && !(await tf.setBackend(name))) throw new Error(`${name} did not start`);
  await tf.ready();
}

describe('fused product-key selection on WebGPU (Dawn in Node)', () => {
  it.each([
    [2, 1, 2, 1],
    [8, 8, 2, 2],
    [37, 7, 6, 1],
    [64, 16, 2, 2],
    [128, 64, 2, 1],
  ])(
    'n_keys %i, knn %i, k_dim %i, heads %i, forced ties: fused = brute force = reference',
    async (n_keys, knn, k_dim, heads) => {
      await onBackend('webgpu');
      const spec = makeSpec({ n_keys, knn, k_dim, heads, d_in: 3, v_dim: 2 });
      const weights = integerWeights(spec, 31 + n_keys, 1);
      const n = 16;
      const x = integers(n * spec.d_in, 1, new RandomStream(2, n_keys));
      const fused = await readInMode('fused', spec, weights, x, n);
      const reference = await readInMode('reference', spec, weights, x, n);
      expectFusedKernels(fused.kernels, true);
      expectFusedKernels(reference.kernels, false);
      const want = bruteForce(spec, weights, x, n);
      expect(Array.from(fused.slots)).toEqual(Array.from(want.slots));
      expect(Array.from(fused.scores)).toEqual(Array.from(want.scores));
      expect(Array.from(fused.slots)).toEqual(Array.from(reference.slots));
      expectSameBits(fused.scores, reference.scores);
    },
  );

  it('a float-rounding tie between dominating rank pairs goes to the lower slot', async () => {
    await onBackend('webgpu');
    const c = roundingTieCase();
    const r = new Float32Array(c.spec.knn);
    const fused = await selectAndGrad(fusedOp, c.spec, c.q, c.keys, r);
    expect(Array.from(fused.slots)).toEqual(c.slots);
    expectSameBits(fused.scores, (await selectAndGrad(referenceOp, c.spec, c.q, c.keys, r)).scores);
  });

  it('real-valued: same slots and scores as the reference and as wasm; gradients to float32 tolerance', async () => {
    const spec = makeSpec({ n_keys: 48, knn: 16, k_dim: 8, heads: 2 });
    const rng = new RandomStream(6, 6);
    const n = 40;
    const q = uniform(n * spec.heads * spec.k_dim, 1.5, rng);
    const keys = uniform(spec.heads * 2 * spec.n_keys * (spec.k_dim / 2), 0.5, rng);
    const r = uniform(n * spec.heads * spec.knn, 1, rng);
    await onBackend('wasm');
    const wasm = await selectAndGrad(fusedOp, spec, q, keys, r);
    await onBackend('webgpu');
    const fused = await selectAndGrad(fusedOp, spec, q, keys, r);
    const reference = await selectAndGrad(referenceOp, spec, q, keys, r);
    expect(Array.from(fused.slots)).toEqual(Array.from(reference.slots));
    expect(Array.from(fused.slots)).toEqual(Array.from(wasm.slots));
    expectClose(fused.scores, reference.scores, 1e-6);
    expectClose(fused.dq, reference.dq, 1e-5);
    expectClose(fused.dKeys, reference.dKeys, 1e-5);
    expectClose(fused.dKeys, wasm.dKeys, 1e-5);
    expect(fused.dKeys.some((v) => v !== 0)).toBe(true);
  });

  it('gradients match central finite differences (every 6th coordinate)', async () => {
    await onBackend('webgpu');
    const spec = makeSpec({ n_keys: 7, knn: 4, k_dim: 6, heads: 2 });
    expect(await checkFiniteDifferences(spec, 9, 6)).toBeGreaterThan(16);
  });

  it('more than 65,535 workgroups: both kernels, checked row by row', async () => {
    await onBackend('webgpu');
    // One thread per (row, head) in workgroups of 64: 4,200,000 rows need 65,625 workgroups,
    // which tfjs folds into a 2D dispatch. n_keys 2, knn 1: the best of the 4 slots per row.
    const rows = 4_200_000;
    const nKeys = 2;
    const sub = new Float32Array(2 * rows * nKeys);
    const rng = new RandomStream(12, 1);
    for (let i = 0; i < sub.length; i++) sub[i] = Math.floor(rng.next() * 5) - 2;
    const subT = tf.tensor3d(sub, [2, rows, nKeys]);
    const [slotsT, scoresT] = tf
      .engine()
      .runKernel(PRODUCT_TOPK, { subScores: subT }, { heads: 1, knn: 1 }) as tf.Tensor[];
    const dy = tf.ones([rows, 1, 1]);
    const dSubT = tf
      .engine()
      .runKernel(PRODUCT_SUBSCORE_GRAD, { dy, slots: slotsT }, { heads: 1, nKeys }) as tf.Tensor;
    const [slots, scores, dSub] = await Promise.all([slotsT.data(), scoresT.data(), dSubT.data()]);
    tf.dispose([subT, slotsT, scoresT, dy, dSubT]);
    let wrong = 0;
    for (let row = 0; row < rows; row++) {
      const a = [sub[row * 2], sub[row * 2 + 1]];
      const b = [sub[(rows + row) * 2], sub[(rows + row) * 2 + 1]];
      let best = 0;
      for (let slot = 1; slot < 4; slot++) {
        if (a[slot >> 1] + b[slot & 1] > a[best >> 1] + b[best & 1]) best = slot;
      }
      const gradOk =
        dSub[row * 2 + (best >> 1)] === 1 &&
        dSub[row * 2 + 1 - (best >> 1)] === 0 &&
        dSub[(rows + row) * 2 + (best & 1)] === 1 &&
        dSub[(rows + row) * 2 + 1 - (best & 1)] === 0;
      if (slots[row] !== best || scores[row] !== a[best >> 1] + b[best & 1] || !gradOk) wrong++;
    }
    expect(wrong).toBe(0);
  }, 120_000);

  it('more than 65,535 workgroups: the scores, selection and query gradient from q and the keys', async () => {
    await onBackend('webgpu');
    // heads 1, n_keys 2, k_dim 2 (one dimension a half), knn 1: 2,100,000 rows put 8.4 M sub-key
    // scores (131,250 workgroups) and 4.2 M query-gradient elements (65,625) through folded
    // dispatches. Small integers: every sum exact, so the brute force below is exact too.
    const rows = 2_100_000;
    const rng = new RandomStream(13, 1);
    const q = Float32Array.from({ length: rows * 2 }, () => Math.floor(rng.next() * 5) - 2);
    const keys = Float32Array.from([1, -2, 3, 0]); // half 0: sub-keys 1, −2; half 1: 3, 0
    const qT = tf.tensor2d(q, [rows, 2]);
    const keysT = tf.tensor4d(keys, [1, 2, 2, 1]);
    const spec = makeSpec({ n_keys: 2, knn: 1, k_dim: 2, heads: 1 });
    const { slots: slotsT, scores: scoresT } = fusedProductTopK(qT, keysT, spec);
    const dy = tf.ones([rows, 1, 1]);
    const dqT = tf
      .engine()
      .runKernel(PRODUCT_QUERY_GRAD, { dy, slots: slotsT, keys: keysT }, { heads: 1, nKeys: 2 }) as tf.Tensor;
    const [slots, scores, dq] = await Promise.all([slotsT.data(), scoresT.data(), dqT.data()]);
    tf.dispose([qT, keysT, slotsT, scoresT, dy, dqT]);
    let wrong = 0;
    for (let row = 0; row < rows; row++) {
      const a = [q[row * 2] * keys[0], q[row * 2] * keys[1]];
      const b = [q[row * 2 + 1] * keys[2], q[row * 2 + 1] * keys[3]];
      let best = 0;
      for (let slot = 1; slot < 4; slot++) {
        if (a[slot >> 1] + b[slot & 1] > a[best >> 1] + b[best & 1]) best = slot;
      }
      const score = a[best >> 1] + b[best & 1];
      const dqOk = dq[row * 2] === keys[best >> 1] && dq[row * 2 + 1] === keys[2 + (best & 1)];
      if (slots[row] !== best || scores[row] !== score || !dqOk) wrong++;
    }
    expect(wrong).toBe(0);
  }, 120_000);

  it('no tensor leaks over repeated forward and gradient calls', async () => {
    await onBackend('webgpu');
    const spec = makeSpec({ n_keys: 9, knn: 4, k_dim: 4, heads: 2 });
    const rng = new RandomStream(3, 4);
    const q = tf.tensor2d(uniform(8 * 8, 1, rng), [8, 8]);
    const keys = tf.tensor4d(uniform(2 * 2 * 9 * 2, 1, rng), [2, 2, 9, 2]);
    const round = async () => {
      const sel = fusedProductTopK(q, keys, spec);
      const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => {
        const s = fusedOp(a as tf.Tensor2D, b, spec);
        s.slots.dispose();
        return tf.sum(s.scores);
      })([q, keys]);
      await Promise.all([sel.slots.data(), ...g.map((t) => t.data())]);
      tf.dispose([sel.slots, sel.scores, ...g]);
    };
    await round();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 4; i++) await round();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([q, keys]);
  });

  it('a memory training step: identical slots and matching outputs in both kernel modes', async () => {
    await onBackend('webgpu');
    const spec = makeSpec({
      query_norm: 'batchnorm',
      n_keys: 16,
      knn: 4,
      k_dim: 8,
      heads: 2,
      d_in: 8,
      v_dim: 6,
    });
    const n = 32;
    const rng = new RandomStream(4, 7);
    const x = uniform(n * spec.d_in, 1, rng);
    const target = uniform(n * spec.d_out, 1, rng);
    const fused = await withKernelMode('fused', () => {
      expect(fusedProductSelectAvailable()).toBe(true);
      return trainingStep(spec, x, target, n);
    });
    const reference = await withKernelMode('reference', () => trainingStep(spec, x, target, n));
    expectSameStep(fused, reference);
  });
});
