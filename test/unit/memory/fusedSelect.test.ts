import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { RandomStream } from '../../../src/model/memory/random';
import type { MemorySpec } from '../../../src/model/memory/types';
import { withKernelMode } from '../../../src/model/ops/kernelMode';
import { fusedProductSelectAvailable, fusedProductTopK } from '../../../src/model/ops/productSelect';
import { PRODUCT_SCORE_TOPK, PRODUCT_TOPK } from '../../../src/model/ops/productSelectKernels';
import { setWasmSimdEnabled } from '../../../src/model/ops/wasm/simd';
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
import { bruteForce, integers, integerWeights, makeSpec, uniform, useBackend } from './helpers';

// [n_keys, knn, k_dim, heads]: knn = n_keys, knn = 1, odd sizes, 1,048,576 slots; on wasm the
// SIMD top-k's eight-lane list (knn ≤ 8, n_keys ≥ 16, tails of n_keys % 16) and its group floor.
const SIZES: [number, number, number, number][] = [
  [2, 1, 2, 1],
  [2, 2, 2, 2],
  [3, 3, 4, 2],
  [5, 2, 2, 3],
  [8, 8, 2, 2],
  [16, 5, 4, 2],
  [37, 7, 6, 1],
  [64, 64, 2, 2],
  [200, 6, 4, 2],
  [1024, 32, 2, 1],
];

describe.each(['wasm', 'cpu'] as const)('fused product-key selection on %s', (backend) => {
  const sizes = SIZES.filter(([n]) => backend === 'wasm' || n <= 64);

  it.each(sizes)(
    'n_keys %i, knn %i, k_dim %i, heads %i, forced ties: fused = brute force = reference, bit for bit',
    async (n_keys, knn, k_dim, heads) => {
      await useBackend(backend);
      const spec = makeSpec({ n_keys, knn, k_dim, heads, d_in: 3, v_dim: 2 });
      const weights = integerWeights(spec, n_keys * 7 + knn, n_keys > 64 ? 1000 : 1);
      const n = 6;
      const x = integers(n * spec.d_in, 1, new RandomStream(n_keys, knn + 1));
      const fused = await readInMode('fused', spec, weights, x, n);
      const reference = await readInMode('reference', spec, weights, x, n);
      expectFusedKernels(fused.kernels, true);
      expectFusedKernels(reference.kernels, false);
      const want = bruteForce(spec, weights, x, n);
      expect(Array.from(fused.slots)).toEqual(Array.from(want.slots));
      expect(Array.from(fused.scores)).toEqual(Array.from(want.scores));
      expect(Array.from(fused.slots)).toEqual(Array.from(reference.slots));
      expectSameBits(fused.scores, reference.scores);
      expectSameBits(fused.output, reference.output);
    },
  );

  it('all scores equal: the k lowest slot ids, in order', async () => {
    await useBackend(backend);
    const spec = makeSpec({ n_keys: 6, knn: 5, k_dim: 4, heads: 2 });
    const q = new Float32Array(3 * spec.heads * spec.k_dim);
    const keys = uniform(spec.heads * 2 * spec.n_keys * (spec.k_dim / 2), 1, new RandomStream(1, 1));
    const got = await selectAndGrad(fusedOp, spec, q, keys, new Float32Array(3 * spec.heads * spec.knn));
    expect(Array.from(got.slots)).toEqual(
      Array.from({ length: 3 * spec.heads }, () => [0, 1, 2, 3, 4]).flat(),
    );
  });

  it('a float-rounding tie between dominating rank pairs goes to the lower slot, as in the reference', async () => {
    await useBackend(backend);
    const c = roundingTieCase();
    const r = new Float32Array(c.spec.knn);
    const fused = await selectAndGrad(fusedOp, c.spec, c.q, c.keys, r);
    const reference = await selectAndGrad(referenceOp, c.spec, c.q, c.keys, r);
    expect(Array.from(reference.slots)).toEqual(c.slots);
    expect(Array.from(fused.slots)).toEqual(c.slots);
    expectSameBits(fused.scores, reference.scores);
  });

  it('real-valued queries and keys: same slots and score bits; gradients equal to float32 tolerance', async () => {
    await useBackend(backend);
    const spec = makeSpec({ n_keys: 48, knn: 16, k_dim: 8, heads: 2 });
    const rng = new RandomStream(5, 5);
    const n = 40;
    const q = uniform(n * spec.heads * spec.k_dim, 1.5, rng);
    const keys = uniform(spec.heads * 2 * spec.n_keys * (spec.k_dim / 2), 0.5, rng);
    const r = uniform(n * spec.heads * spec.knn, 1, rng);
    const fused = await selectAndGrad(fusedOp, spec, q, keys, r);
    const reference = await selectAndGrad(referenceOp, spec, q, keys, r);
    expect(Array.from(fused.slots)).toEqual(Array.from(reference.slots));
    expectSameBits(fused.scores, reference.scores);
    expectClose(fused.dq, reference.dq, 1e-5);
    expectClose(fused.dKeys, reference.dKeys, 1e-5);
    expect(fused.dKeys.some((v) => v !== 0)).toBe(true);
  });

  it('gradients match central finite differences of Σ R ⊙ scores', async () => {
    await useBackend(backend);
    const spec = makeSpec({ n_keys: 7, knn: 4, k_dim: 6, heads: 2 });
    expect(await checkFiniteDifferences(spec, 9, 3)).toBeGreaterThan(40);
  });

  it('the top-k kernel refuses knn > n_keys and a sub-score block count other than heads·2', async () => {
    await useBackend(backend);
    const sub = tf.zeros([2, 3, 4]);
    const run = (attrs: { heads: number; knn: number }) => () =>
      tf.engine().runKernel(PRODUCT_TOPK, { subScores: sub }, { ...attrs });
    expect(run({ heads: 1, knn: 5 })).toThrow(/knn 5 exceeds n_keys 4/);
    expect(run({ heads: 2, knn: 2 })).toThrow(/must be \[heads·2, N, n_keys\]/);
    sub.dispose();
  });

  it('no tensor leaks over repeated forward and gradient calls', async () => {
    await useBackend(backend);
    const spec = makeSpec({ n_keys: 9, knn: 4, k_dim: 4, heads: 2 });
    const rng = new RandomStream(3, 3);
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
    for (let i = 0; i < 5; i++) await round();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([q, keys]);
  });
});

describe('a memory training step in both kernel modes (wasm)', () => {
  it.each(['batchnorm', 'layernorm'] as const)(
    'query norm %s: identical slots, matching outputs, gradients and next read',
    async (query_norm) => {
      await useBackend('wasm');
      const spec = makeSpec({ query_norm, n_keys: 32, knn: 8, k_dim: 16, heads: 2, d_in: 12, v_dim: 10 });
      const n = 48;
      const rng = new RandomStream(4, 4);
      const x = uniform(n * spec.d_in, 1, rng);
      const target = uniform(n * spec.d_out, 1, rng);
      const fused = await withKernelMode('fused', () => {
        expect(fusedProductSelectAvailable()).toBe(true);
        return trainingStep(spec, x, target, n);
      });
      const reference = await withKernelMode('reference', () => {
        expect(fusedProductSelectAvailable()).toBe(false);
        return trainingStep(spec, x, target, n);
      });
      expectSameStep(fused, reference);
    },
  );
});

describe('fused product-key top-k on wasm: the SIMD kernel and the JS loops', () => {
  it.each([
    [256, 16, 4, 4],
    [1024, 32, 8, 2],
    [16, 16, 2, 3],
    [136, 8, 4, 2],
    [40, 3, 6, 1],
  ])(
    'n_keys %i, knn %i, k_dim %i, heads %i: the same slots and scores bit for bit, NaN rows included',
    async (n_keys, knn, k_dim, heads) => {
      await useBackend('wasm');
      const spec = makeSpec({ n_keys, knn, k_dim, heads, d_in: 5, v_dim: 2 });
      const weights = integerWeights(spec, n_keys + knn, 1000);
      const n = 40;
      const x = uniform(n * spec.d_in, 2, new RandomStream(n_keys, heads));
      x[3 * spec.d_in] = Number.NaN; // row 3: every score NaN
      const simd = await readInMode('fused', spec, weights, x, n);
      setWasmSimdEnabled(false);
      let loops: Awaited<ReturnType<typeof readInMode>>;
      try {
        loops = await readInMode('fused', spec, weights, x, n);
      } finally {
        setWasmSimdEnabled(true);
      }
      // SIMD: the sub-key scores and the top-k in one kernel; without: XNNPACK's matMuls, then the top-k loops.
      expect(simd.kernels).toContain(PRODUCT_SCORE_TOPK);
      expect(loops.kernels).toContain(PRODUCT_TOPK);
      expect(loops.kernels).not.toContain(PRODUCT_SCORE_TOPK);
      expect(Array.from(simd.slots)).toEqual(Array.from(loops.slots));
      expectSameBits(simd.scores, loops.scores);
      const want = bruteForce(spec, weights, x, n);
      // Rows without NaN: the brute force's slots (ties in float32 sums broken by slot id as well).
      const finite = (r: number) => r !== 3;
      const per = heads * knn;
      for (let r = 0; r < n; r++) {
        if (!finite(r)) continue;
        expect(Array.from(simd.slots.slice(r * per, (r + 1) * per))).toEqual(
          Array.from(want.slots.slice(r * per, (r + 1) * per)),
        );
      }
    },
  );
});

describe('the wasm SIMD top-k over given sub-scores: isolated NaN and −∞ scores', () => {
  /** slots and scores of PRODUCT_TOPK over two [rows, nKeys] blocks (one head). */
  function topKOf(a: Float32Array, b: Float32Array, rows: number, nKeys: number, knn: number, simd: boolean) {
    setWasmSimdEnabled(simd);
    const sub0 = tf.tensor2d(a, [rows, nKeys]);
    const sub1 = tf.tensor2d(b, [rows, nKeys]);
    try {
      const [slots, scores] = tf
        .engine()
        .runKernel(PRODUCT_TOPK, { sub0, sub1 }, { heads: 1, knn }) as tf.Tensor[];
      const out = { slots: Array.from(slots.dataSync()), scores: scores.dataSync() as Float32Array };
      tf.dispose([slots, scores]);
      return out;
    } finally {
      tf.dispose([sub0, sub1]);
      setWasmSimdEnabled(true);
    }
  }

  // k ≤ 8 takes the eight-lane list over a 16-group floor, k 9–32 the scan over a 32-group floor;
  // a NaN among the first k sends a row to the plain scan, a NaN elsewhere is passed over, and −∞
  // scores make the floor unusable where they fill too many groups.
  it.each([
    [64, 8],
    [45, 5],
    [64, 20],
    [77, 32],
  ])('n_keys %i, knn %i: the same slots and score bits as the JS loops', async (nKeys, knn) => {
    await useBackend('wasm');
    const places = [0, knn - 1, knn, knn + 2, nKeys - 1, Math.floor(nKeys / 2)];
    const rows = 2 * places.length + 2;
    const rng = new RandomStream(nKeys, knn);
    const a = uniform(rows * nKeys, 4, rng).map((v) => Math.round(v)); // ties
    const b = uniform(rows * nKeys, 4, rng).map((v) => Math.round(v));
    places.forEach((at, i) => {
      a[2 * i * nKeys + at] = Number.NaN;
      b[(2 * i + 1) * nKeys + at] = Number.NaN;
    });
    // The last two rows: −∞ in every score but k − 1, and in every other score.
    const minus = (rows - 2) * nKeys;
    for (let j = 0; j < nKeys; j++) {
      if (j >= knn - 1) a[minus + j] = Number.NEGATIVE_INFINITY;
      if (j % 2 === 1) b[minus + nKeys + j] = Number.NEGATIVE_INFINITY;
    }
    const simd = topKOf(a, b, rows, nKeys, knn, true);
    const loops = topKOf(a, b, rows, nKeys, knn, false);
    expect(simd.slots).toEqual(loops.slots);
    expectSameBits(simd.scores, loops.scores);
  });
});

describe('product scores and top-k in one wasm SIMD kernel', () => {
  /** The fused forward's slots and scores, and the kernels it ran, with SIMD on or off. */
  async function topK(simd: boolean, spec: MemorySpec, q: Float32Array, keys: Float32Array, n: number) {
    setWasmSimdEnabled(simd);
    try {
      const qt = tf.tensor2d(q, [n, spec.heads * spec.k_dim]);
      const kt = tf.tensor4d(keys, [spec.heads, 2, spec.n_keys, spec.k_dim / 2]);
      let out: { slots: tf.Tensor; scores: tf.Tensor } | null = null;
      const profile = await tf.profile(() => {
        out = fusedProductTopK(qt, kt, spec);
        return [out.slots, out.scores];
      });
      const { slots, scores } = out!;
      const result = {
        slots: (await slots.data()) as Int32Array,
        scores: (await scores.data()) as Float32Array,
        kernels: profile.kernelNames,
      };
      tf.dispose([qt, kt, slots, scores]);
      return result;
    } finally {
      setWasmSimdEnabled(true);
    }
  }

  it('refuses q and keys that do not fit the heads, and knn > n_keys', async () => {
    await useBackend('wasm');
    const run = (qShape: number[], keysSize: number, attrs: { heads: number; knn: number }) => () => {
      const q = tf.zeros(qShape);
      const keys = tf.zeros([keysSize]);
      try {
        tf.engine().runKernel(PRODUCT_SCORE_TOPK, { q, keys }, { ...attrs });
      } finally {
        tf.dispose([q, keys]);
      }
    };
    expect(run([3, 6], 12, { heads: 2, knn: 1 })).toThrow(/do not fit 2 heads/);
    expect(run([3, 4], 10, { heads: 1, knn: 1 })).toThrow(/do not fit 1 heads/);
    expect(run([3, 4], 16, { heads: 1, knn: 5 })).toThrow(/knn 5 exceeds n_keys 4/);
  });

  it.each([
    [512, 8, 32, 2, 41],
    [77, 5, 6, 3, 9],
    [19, 19, 2, 1, 4],
  ])(
    'n_keys %i, knn %i, k_dim %i, heads %i, %i rows, real values: the scores XNNPACK sums and the same slots, bit for bit',
    async (n_keys, knn, k_dim, heads, n) => {
      await useBackend('wasm');
      const spec = makeSpec({ n_keys, knn, k_dim, heads });
      const rng = new RandomStream(n_keys, k_dim);
      // Magnitudes spread over four orders, so a different summation order or a fused
      // multiply-add would change low bits of many scores.
      const q = uniform(n * heads * k_dim, 1, rng).map((v, i) => v * 10 ** (i % 4));
      const keys = uniform(heads * 2 * n_keys * (k_dim / 2), 1, rng).map((v, i) => v * 10 ** -(i % 3));
      const fused = await topK(true, spec, q, keys, n);
      const loops = await topK(false, spec, q, keys, n);
      expect(fused.kernels).toContain(PRODUCT_SCORE_TOPK);
      expect(fused.kernels).not.toContain('BatchMatMul');
      expect(loops.kernels).toContain('BatchMatMul');
      expect(Array.from(fused.slots)).toEqual(Array.from(loops.slots));
      expectSameBits(fused.scores, loops.scores);
      const want = bruteForceSelect(spec, q, keys, n);
      expect(Array.from(fused.slots)).toEqual(want);
    },
  );
});

/**
 * Every one of the n² slots scored in float32 as the kernels score them (each half's sum in
 * order, products and sums rounded, then the two halves added), the k best by score, then slot.
 */
function bruteForceSelect(spec: MemorySpec, q: Float32Array, keys: Float32Array, n: number): number[] {
  const { heads, n_keys, k_dim, knn } = spec;
  const half = k_dim / 2;
  const f = Math.fround;
  const out: number[] = [];
  for (let r = 0; r < n; r++) {
    for (let h = 0; h < heads; h++) {
      const sub = [0, 1].map((part) =>
        Array.from({ length: n_keys }, (_, j) => {
          let s = 0;
          for (let d = 0; d < half; d++) {
            s = f(
              s +
                f(
                  q[(r * heads + h) * k_dim + part * half + d] *
                    keys[((h * 2 + part) * n_keys + j) * half + d],
                ),
            );
          }
          return s;
        }),
      );
      // Slots in ascending id: a later slot enters only with a strictly higher score.
      const best: { slot: number; score: number }[] = [];
      for (let slot = 0; slot < n_keys * n_keys; slot++) {
        const score = f(sub[0][Math.floor(slot / n_keys)] + sub[1][slot % n_keys]);
        if (best.length === knn && !(score > best[knn - 1].score)) continue;
        let at = best.length;
        while (at > 0 && score > best[at - 1].score) at--;
        best.splice(at, 0, { slot, score });
        if (best.length > knn) best.pop();
      }
      out.push(...best.map((c) => c.slot));
    }
  }
  return out;
}
