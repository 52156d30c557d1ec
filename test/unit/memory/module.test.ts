import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { createMemory } from '../../../src/model/memory/createMemory';
import { RandomStream } from '../../../src/model/memory/random';
import type { MemoryRead, MemorySpec, MemoryWeights } from '../../../src/model/memory/types';
import { bruteForce, makeSpec, referenceQueries, uniform, useBackend } from './helpers';

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, digits: number): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < got.length; i++) expect(got[i]).toBeCloseTo(want[i], digits);
}

async function readAll(read: MemoryRead) {
  const [output, slots, scores, weights] = await Promise.all([
    read.output.data(),
    read.slots.data(),
    read.scores.data(),
    read.weights.data(),
  ]);
  tf.dispose([read.output, read.slots, read.scores, read.weights]);
  return {
    output: output as Float32Array,
    slots: slots as Int32Array,
    scores: scores as Float32Array,
    weights: weights as Float32Array,
  };
}

function rawQueries(spec: MemorySpec, w: MemoryWeights, x: Float32Array, n: number): Float64Array[] {
  return referenceQueries({ ...spec, query_norm: 'none' }, w, x, n);
}

describe('memory module (wasm)', () => {
  it('BatchNorm: train uses batch statistics, eval the running ones; commit folds them PyTorch-style', async () => {
    await useBackend('wasm');
    const spec = makeSpec({ query_norm: 'batchnorm', n_keys: 6, knn: 3, k_dim: 4 });
    const n = 9;
    const rng = new RandomStream(1, 1);
    const x = uniform(n * spec.d_in, 2, rng);
    const mod = createMemory(spec, { seed: 3 });
    const w = await mod.readWeights();
    const width = spec.heads * spec.k_dim;
    const q = rawQueries(spec, w, x, n);
    const mean = new Float64Array(width);
    const biased = new Float64Array(width);
    for (let j = 0; j < width; j++) {
      for (let r = 0; r < n; r++) mean[j] += q[r][j] / n;
      for (let r = 0; r < n; r++) biased[j] += (q[r][j] - mean[j]) ** 2 / n;
    }
    const xt = tf.tensor2d(x, [n, spec.d_in]);
    const train = await readAll(mod.forward(xt, 'train'));
    const evalBefore = await readAll(mod.forward(xt, 'eval'));
    expect(Array.from(train.output)).not.toEqual(Array.from(evalBefore.output));

    // eval with running statistics equal to the batch's (biased variance) reproduces train.
    const same = createMemory(spec, {
      weights: { ...w, runningMean: Float32Array.from(mean), runningVar: Float32Array.from(biased) },
    });
    const evalSame = await readAll(same.forward(xt, 'eval'));
    expect(Array.from(evalSame.slots)).toEqual(Array.from(train.slots));
    expectClose(evalSame.output, train.output, 4);
    same.dispose();

    mod.commitBatchStatistics();
    mod.commitBatchStatistics(); // nothing pending any more: no second fold
    const after = await mod.readWeights();
    for (let j = 0; j < width; j++) {
      expect(after.runningMean![j]).toBeCloseTo(0.1 * mean[j], 5);
      expect(after.runningVar![j]).toBeCloseTo(0.9 + 0.1 * biased[j] * (n / (n - 1)), 5);
    }
    expect(() => mod.forward(tf.zeros([1, spec.d_in]) as tf.Tensor2D, 'train')).toThrow(
      /at least 2 token states/,
    );
    xt.dispose();
    mod.dispose();
  });

  it('memory+: output = (read ⊙ SiLU(x·gateW))·outW', async () => {
    await useBackend('wasm');
    const plusSpec = makeSpec({ mem_plus: true, v_dim: 4, d_out: 5, query_norm: 'layernorm' });
    const plus = createMemory(plusSpec, { seed: 8 });
    const w = await plus.readWeights();
    const { gateW, outW, ...plain } = w;
    const baseSpec = { ...plusSpec, mem_plus: false, d_out: plusSpec.v_dim };
    const base = createMemory(baseSpec, { weights: plain });
    const n = 5;
    const x = uniform(n * plusSpec.d_in, 1, new RandomStream(2, 2));
    const xt = tf.tensor2d(x, [n, plusSpec.d_in]);
    const got = await readAll(plus.forward(xt, 'eval'));
    const read = await readAll(base.forward(xt, 'eval'));
    const { d_in, v_dim, d_out } = plusSpec;
    for (let r = 0; r < n; r++) {
      const gated = new Float64Array(v_dim);
      for (let c = 0; c < v_dim; c++) {
        let g = 0;
        for (let d = 0; d < d_in; d++) g += x[r * d_in + d] * gateW![d * v_dim + c];
        gated[c] = read.output[r * v_dim + c] * (g / (1 + Math.exp(-g)));
      }
      for (let o = 0; o < d_out; o++) {
        let out = 0;
        for (let c = 0; c < v_dim; c++) out += gated[c] * outW![c * d_out + o];
        expect(got.output[r * d_out + o]).toBeCloseTo(out, 5);
      }
    }
    xt.dispose();
    plus.dispose();
    base.dispose();
  });

  it.each(['product', 'flat'] as const)(
    '%s keys: trace shows every step of the forward for one token',
    async (mem_keys) => {
      await useBackend('wasm');
      const spec = makeSpec({
        mem_keys,
        n_keys: 8,
        knn: 4,
        k_dim: 6,
        heads: 2,
        query_norm: 'layernorm',
        v_dim: 3,
      });
      const mod = createMemory(spec, { seed: 5 });
      const w = await mod.readWeights();
      const x = uniform(spec.d_in, 1.5, new RandomStream(9, 9));
      const trace = await mod.trace(x);
      const read = await readAll(mod.forward(tf.tensor2d(x, [1, spec.d_in]), 'eval'));
      const want = bruteForce(spec, w, x, 1);
      const qn = referenceQueries(spec, w, x, 1)[0];
      const { knn, n_keys, k_dim } = spec;
      expect(trace).toMatchObject({ n_keys, knn, mem_keys });
      expect(Array.from(trace.input)).toEqual(Array.from(x));
      expectClose(trace.output, read.output, 6);
      trace.heads.forEach((head, h) => {
        const at = h * knn;
        expect(Array.from(head.slots)).toEqual(Array.from(read.slots.slice(at, at + knn)));
        expect(Array.from(head.slots)).toEqual(Array.from(want.slots.slice(at, at + knn)));
        expectClose(head.scores, read.scores.slice(at, at + knn), 6);
        expectClose(head.weights, read.weights.slice(at, at + knn), 6);
        expectClose(head.queryNormed, qn.slice(h * k_dim, (h + 1) * k_dim), 5);
        expect(head.rows.map((r, t) => r * n_keys + head.cols[t])).toEqual(head.slots);
        if (mem_keys === 'flat') {
          expect(head.subScores).toHaveLength(1);
          expect(head.subScores[0]).toHaveLength(n_keys * n_keys);
          expectClose(
            Array.from(head.slots, (s) => head.subScores[0][s]),
            head.scores,
            6,
          );
          return;
        }
        const [top1, top2] = head.subTop!;
        expect(Array.from(head.halves![0])).toEqual(Array.from(head.queryNormed.slice(0, k_dim / 2)));
        expect(head.subScores.map((s) => s.length)).toEqual([n_keys, n_keys]);
        for (const [side, top] of [top1, top2].entries()) {
          const order = Array.from(head.subScores[side].keys()).sort(
            (a, b) => head.subScores[side][b] - head.subScores[side][a] || a - b,
          );
          expect(Array.from(top.indices)).toEqual(order.slice(0, knn));
        }
        for (let r = 0; r < knn; r++) {
          for (let c = 0; c < knn; c++) {
            expect(head.candidates![r * knn + c]).toBe(Math.fround(top1.scores[r] + top2.scores[c]));
          }
        }
        head.slots.forEach((_, t) => {
          const { row, col } = head.candidateRank!;
          expect(top1.indices[row[t]]).toBe(head.rows[t]);
          expect(top2.indices[col[t]]).toBe(head.cols[t]);
          expect(head.candidates![row[t] * knn + col[t]]).toBe(head.scores[t]);
        });
      });
      mod.dispose();
    },
  );

  it('readWeights round-trips, returns copies, and the same seed gives the same module', async () => {
    await useBackend('wasm');
    const spec = makeSpec({ query_norm: 'batchnorm', mem_plus: true, v_dim: 4, d_out: 6 });
    const a = createMemory(spec, { seed: 42 });
    const wa = await a.readWeights();
    const readOnce = async (seed: number) => {
      const m = createMemory(spec, { seed });
      const w = await m.readWeights();
      m.dispose();
      return w;
    };
    const wb = await readOnce(42);
    const wc = await readOnce(43);
    for (const key of Object.keys(wa) as (keyof MemoryWeights)[]) {
      expect(Array.from(wb[key]!)).toEqual(Array.from(wa[key]!));
    }
    expect(Array.from(wc.keys)).not.toEqual(Array.from(wa.keys));
    const original = wa.values[0];
    wa.values[0] = 100;
    expect((await a.readWeights()).values[0]).toBe(original);
    wa.values[0] = original;
    const b = createMemory(spec, { weights: wa });
    wa.values[0] = 100; // the module copied the arrays it was given
    const x = tf.randomNormal([4, spec.d_in]) as tf.Tensor2D;
    const ra = await readAll(a.forward(x, 'eval'));
    const rb = await readAll(b.forward(x, 'eval'));
    expect(Array.from(rb.output)).toEqual(Array.from(ra.output));
    x.dispose();
    a.dispose();
    b.dispose();
  });

  it('initialises like XLM: bounded sub-keys per (head, half), values with std v_dim^-0.5', async () => {
    await useBackend('wasm');
    const spec = makeSpec({ n_keys: 64, k_dim: 8, v_dim: 32, d_in: 16, query_norm: 'batchnorm' });
    const mod = createMemory(spec, { seed: 1 });
    const w = await mod.readWeights();
    mod.dispose();
    const half = spec.k_dim / 2;
    expect(Math.max(...w.keys.map(Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(half));
    expect(Math.max(...w.queryW.map(Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(spec.d_in));
    const block = spec.n_keys * half;
    const blocks = [0, 1, 2, 3].map((b) => Array.from(w.keys.slice(b * block, b * block + 4)));
    expect(new Set(blocks.map((b) => b.join())).size).toBe(4);
    const mean = w.values.reduce((s, v) => s + v, 0) / w.values.length;
    const std = Math.sqrt(w.values.reduce((s, v) => s + (v - mean) ** 2, 0) / w.values.length);
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(std).toBeCloseTo(spec.v_dim ** -0.5, 2);
    expect(Array.from(w.normGamma!)).toEqual(new Array(16).fill(1));
    expect(Array.from(w.runningVar!)).toEqual(new Array(16).fill(1));
    expect(Array.from(w.runningMean!)).toEqual(new Array(16).fill(0));
  });

  it('keeps tf.memory().numTensors flat over 200 forward + grad + sparse update steps', async () => {
    await useBackend('wasm');
    const spec = makeSpec({ query_norm: 'batchnorm', n_keys: 8, knn: 2, mem_plus: true, v_dim: 4, d_out: 6 });
    const mod = createMemory(spec, { seed: 2 });
    const n = 6;
    const x = tf.randomNormal([n, spec.d_in]) as tf.Tensor2D;
    const step = async () => {
      const probe = mod.valueGradientVariables(n)[0];
      const { value, grads } = tf.variableGrads(
        () => tf.sum(tf.square(mod.forward(x, 'train').output)) as tf.Scalar,
        [...mod.denseVariables(), probe],
      );
      await mod.applyValueGradients([grads[probe.name]], 0.01);
      mod.commitBatchStatistics();
      tf.dispose([value, ...Object.values(grads)]);
      const evalRead = mod.forward(x, 'eval');
      tf.dispose([evalRead.output, evalRead.slots, evalRead.scores, evalRead.weights]);
      const trace = await mod.trace(new Float32Array(spec.d_in).fill(0.5));
      expect(trace.heads).toHaveLength(spec.heads);
    };
    await step();
    const after1 = tf.memory().numTensors;
    for (let i = 0; i < 199; i++) await step();
    expect(tf.memory().numTensors).toBe(after1);
    x.dispose();
    mod.dispose();
  });

  it('resumes exactly from readWeights + readValueOptimizerState, and refuses a state of the wrong size', async () => {
    await useBackend('wasm');
    const spec = makeSpec({ query_norm: 'none', n_keys: 8, knn: 3 });
    const n = 5;
    const x = tf.randomNormal([n, spec.d_in], 0, 1, 'float32', 7) as tf.Tensor2D;
    const train = async (mod: ReturnType<typeof createMemory>) => {
      const probe = mod.valueGradientVariables(n)[0];
      const { value, grads } = tf.variableGrads(
        () => tf.sum(tf.square(mod.forward(x, 'train').output)) as tf.Scalar,
        [probe],
      );
      await mod.applyValueGradients([grads[probe.name]], 0.05);
      tf.dispose([value, ...Object.values(grads)]);
    };
    const original = createMemory(spec, { seed: 4 });
    for (let i = 0; i < 3; i++) await train(original);
    const restored = createMemory(spec, { weights: await original.readWeights() });
    restored.loadValueOptimizerState(await original.readValueOptimizerState());
    for (let i = 0; i < 2; i++) {
      await train(original);
      await train(restored);
    }
    expect((await restored.readWeights()).values).toEqual((await original.readWeights()).values);
    expect(await restored.readValueOptimizerState()).toEqual(await original.readValueOptimizerState());
    expect(() =>
      restored.loadValueOptimizerState({ m: new Float32Array(3), v: new Float32Array(3), step: 1 }),
    ).toThrow(/does not fit the memory/);
    tf.dispose(x);
    original.dispose();
    restored.dispose();
  });

  it('a train forward with another N replaces the probe', async () => {
    await useBackend('wasm');
    const spec = makeSpec();
    const mod = createMemory(spec, { seed: 2 });
    const [p4] = mod.valueGradientVariables(4);
    expect(p4.shape).toEqual([4, spec.heads, spec.knn, spec.v_dim]);
    expect(mod.valueGradientVariables(4)[0]).toBe(p4);
    const read = mod.forward(tf.zeros([3, spec.d_in]) as tf.Tensor2D, 'train');
    expect(p4.isDisposed).toBe(true);
    expect(mod.valueGradientVariables()[0].shape[0]).toBe(3);
    tf.dispose([read.output, read.slots, read.scores, read.weights]);
    mod.dispose();
    expect(() => mod.forward(tf.zeros([3, spec.d_in]) as tf.Tensor2D, 'eval')).toThrow(/disposed/);
  });
});
