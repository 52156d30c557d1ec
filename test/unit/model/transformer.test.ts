import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { memoryParameterCounts } from '../../../src/model/parameterCounts';
import { createModel } from '../../../src/model/transformer';
import { tinyConfig } from './tinyConfig';
import { useWasm } from './wasmBackend';

beforeAll(useWasm);

async function logitsOf(tokens: number[][], seed = 3): Promise<Float32Array> {
  const model = createModel(tinyConfig({ seed }));
  const logits = tf.tidy(() => model.forward(tf.tensor2d(tokens, undefined, 'int32'), 'eval').logits);
  const values = (await logits.data()) as Float32Array;
  logits.dispose();
  model.dispose();
  return values;
}

describe('transformer', () => {
  it('is causal: changing a later token leaves earlier logits unchanged', async () => {
    const a = [[72, 101, 108, 108, 111, 32, 119, 111]];
    const b = [[72, 101, 108, 108, 111, 33, 0, 255]];
    const la = await logitsOf(a);
    const lb = await logitsOf(b);
    expect(la).toHaveLength(8 * 256);
    for (let t = 0; t < 8; t++) {
      const rowA = la.subarray(t * 256, (t + 1) * 256);
      const rowB = lb.subarray(t * 256, (t + 1) * 256);
      const maxDiff = rowA.reduce((m, v, i) => Math.max(m, Math.abs(v - rowB[i])), 0);
      if (t < 5) expect(maxDiff).toBeLessThan(1e-5);
      else expect(maxDiff).toBeGreaterThan(1e-3);
    }
  });

  it('accepts sequences shorter than the context', async () => {
    const full = await logitsOf([[1, 2, 3, 4, 5, 6, 7, 8]]);
    const short = await logitsOf([[1, 2, 3]]);
    for (let i = 0; i < 3 * 256; i++) expect(short[i]).toBeCloseTo(full[i], 5);
    const model = createModel(tinyConfig());
    expect(() => tf.tidy(() => model.forward(tf.zeros([1, 9], 'int32'), 'eval').logits)).toThrow(
      'sequence length 9 exceeds context 8',
    );
    model.dispose();
  });

  it('initialises deterministically from config.seed', async () => {
    expect(await logitsOf([[5, 6, 7]], 11)).toEqual(await logitsOf([[5, 6, 7]], 11));
    expect(await logitsOf([[5, 6, 7]], 11)).not.toEqual(await logitsOf([[5, 6, 7]], 12));
  });

  it('starts near the uniform loss ln 256', async () => {
    const model = createModel(tinyConfig());
    const loss = tf.tidy(
      () =>
        model.loss(tf.tensor2d([[1, 50, 100, 150, 200, 250, 30, 60, 90]], undefined, 'int32'), 'eval').loss,
    );
    const value = (await loss.data())[0];
    loss.dispose();
    model.dispose();
    expect(Math.abs(value - Math.log(256))).toBeLessThan(1.5);
  });

  it('counts parameters as the formulas say, and as its variables hold', () => {
    const config = tinyConfig();
    const model = createModel(config);
    const counts = model.parameterCounts();
    // d = 16, context 8, ffn hidden 32.
    expect(counts.embeddings).toEqual({ token: 4096, position: 128, outputBias: 256, total: 4480 });
    expect(counts.blocks[0]).toEqual({
      index: 0,
      kind: 'ffn',
      attention: 4 * 16 * 16 + 4 * 16,
      norms: 64,
      ffn: 2 * 16 * 32 + 32 + 16,
      total: 1088 + 64 + 1072,
    });
    expect(counts.finalNorm).toBe(32);
    expect(counts.total).toBe(4480 + 2 * 2224 + 32);
    expect(counts.dense).toBe(counts.total);
    expect(model.ownVariables().reduce((n, v) => n + v.size, 0)).toBe(counts.total);
    model.dispose();
  });

  it('counts memory parameters by part', () => {
    const spec = {
      d_in: 64,
      heads: 2,
      n_keys: 32,
      k_dim: 32,
      v_dim: 64,
      knn: 8,
      query_norm: 'batchnorm' as const,
      mem_keys: 'product' as const,
      mem_plus: false,
      d_out: 64,
    };
    expect(memoryParameterCounts(spec)).toEqual({
      query: 64 * 64 + 64,
      norm: 128,
      keys: 2 * 2 * 32 * 16,
      values: 1024 * 64,
      plus: 0,
      total: 4160 + 128 + 2048 + 65536,
    });
    const flat = memoryParameterCounts({ ...spec, mem_keys: 'flat', query_norm: 'none', mem_plus: true });
    expect(flat.keys).toBe(2 * 1024 * 32);
    expect(flat.norm).toBe(0);
    expect(flat.plus).toBe(64 * 64 + 64 * 64);
  });

  it('round-trips its weights and rejects weights of another shape', async () => {
    const a = createModel(tinyConfig({ seed: 1 }));
    const b = createModel(tinyConfig({ seed: 2 }));
    const weights = await a.readWeights();
    b.loadWeights(weights);
    expect(await b.readWeights()).toEqual(weights);
    const bad = { ...weights.dense, 'ln_f.gamma': new Float32Array(3), extra: new Float32Array(1) };
    delete (bad as Record<string, Float32Array>).out_bias;
    expect(() => b.loadWeights({ dense: bad, memories: [] })).toThrow(
      'Weights do not match the model: ln_f.gamma has 3 values, expected 16 ([16]); missing out_bias; unexpected extra',
    );
    expect(await b.readWeights()).toEqual(weights);
    const c = createModel(tinyConfig({ seed: 9 }), { weights });
    expect(await c.readWeights()).toEqual(weights);
    for (const m of [a, b, c]) m.dispose();
  });

  it('frees every tensor it made on dispose', () => {
    const before = tf.memory().numTensors;
    const model = createModel(tinyConfig());
    expect(tf.memory().numTensors).toBeGreaterThan(before);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
