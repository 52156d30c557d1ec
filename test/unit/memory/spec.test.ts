import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, parseConfig } from '../../../src/model/config';
import { createMemory } from '../../../src/model/memory/createMemory';
import { checkMemorySpec, memorySpecFromConfig } from '../../../src/model/memory/spec';
import type { MemorySpec } from '../../../src/model/memory/types';
import { checkMemoryWeights, initMemoryWeights } from '../../../src/model/memory/weights';
import { makeSpec, useBackend } from './helpers';

describe('memory spec', () => {
  it('follows the model config: d_in = d_out = d_model, v_dim 0 means d_model', () => {
    expect(memorySpecFromConfig(DEFAULT_CONFIG)).toEqual({
      d_in: 64,
      heads: 2,
      n_keys: 128,
      k_dim: 32,
      v_dim: 64,
      knn: 8,
      query_norm: 'batchnorm',
      mem_keys: 'product',
      mem_plus: false,
      d_out: 64,
    });
    const plus = parseConfig({
      mem_plus: true,
      v_dim: 48,
      mem_keys: 'flat',
      n_keys: 16,
      query_norm: 'layernorm',
    });
    expect(memorySpecFromConfig(plus)).toMatchObject({
      v_dim: 48,
      d_out: 64,
      mem_keys: 'flat',
      mem_plus: true,
    });
    expect(checkMemorySpec(memorySpecFromConfig(plus))).toBeTruthy();
  });

  it.each([
    [{ n_keys: 1 }, /n_keys must be an integer from 2 to 1024 \(got 1\)/],
    [{ n_keys: 1025 }, /n_keys must be an integer from 2 to 1024/],
    [{ n_keys: 8, knn: 9 }, /knn must be an integer from 1 to 8 = min\(n_keys, 64\) \(got 9\)/],
    [{ n_keys: 512, knn: 65 }, /knn must be an integer from 1 to 64/],
    [{ knn: 0 }, /knn must be an integer from 1/],
    [{ heads: 9 }, /heads must be an integer from 1 to 8 \(got 9\)/],
    [{ heads: 0 }, /heads must be an integer from 1 to 8/],
    [{ k_dim: 5 }, /k_dim must be even/],
    [{ k_dim: 0 }, /k_dim must be an integer from 2/],
    [{ d_in: 0 }, /d_in must be an integer from 1/],
    [{ v_dim: -1 }, /v_dim must be an integer from 1/],
    [{ d_in: 2.5 }, /d_in must be an integer/],
    [{ mem_keys: 'flat', n_keys: 257 }, /n_keys must be from 2 to 256 for flat keys/],
    [{ d_out: 7 }, /d_out must equal v_dim \(3\) without the memory\+ projection/],
    [{ query_norm: 'rmsnorm' }, /query_norm must be one of batchnorm, layernorm, none/],
    [{ mem_keys: 'hashed' }, /mem_keys must be one of product, flat/],
    [{ n_keys: 1024, v_dim: 512, d_out: 512 }, /v_dim must be at most 256 at n_keys 1024/],
  ] as [Record<string, unknown>, RegExp][])('rejects %o with a clear message', (overrides, message) => {
    const spec = { ...makeSpec(), ...overrides } as MemorySpec;
    expect(() => checkMemorySpec(spec)).toThrow(message);
    expect(() => createMemory(spec, { seed: 1 })).toThrow(/Invalid memory spec/);
  });
});

describe('memory weights validation', () => {
  const spec = makeSpec({ query_norm: 'batchnorm' });
  const good = () => initMemoryWeights(spec, 1);

  it('accepts what init produces, for every norm and key kind', () => {
    for (const query_norm of ['batchnorm', 'layernorm', 'none'] as const) {
      for (const mem_keys of ['product', 'flat'] as const) {
        for (const mem_plus of [false, true]) {
          const s = makeSpec({ query_norm, mem_keys, mem_plus, n_keys: 4, d_out: mem_plus ? 7 : 3 });
          expect(() => checkMemoryWeights(s, initMemoryWeights(s, 2))).not.toThrow();
        }
      }
    }
  });

  it.each([
    [
      'a missing field',
      (w: Record<string, unknown>): unknown => delete w.keys,
      /keys \[2, 2, 5, 2\] is missing/,
    ],
    [
      'a wrong length',
      (w: Record<string, unknown>): unknown => (w.values = new Float32Array(3)),
      /values must have 75 values for shape \[25, 3\] \(got 3\)/,
    ],
    [
      'a plain array',
      (w: Record<string, unknown>): unknown => (w.queryB = [1, 2]),
      /queryB must be a Float32Array/,
    ],
    [
      'a NaN',
      (w: Record<string, unknown>): unknown => ((w.queryW as Float32Array)[4] = Number.NaN),
      /queryW\[4\] is not finite/,
    ],
    [
      'an unused field',
      (w: Record<string, unknown>): unknown => (w.gateW = new Float32Array(18)),
      /gateW is given but not used \(mem_plus is false\)/,
    ],
    [
      'an unknown field',
      (w: Record<string, unknown>): unknown => (w.bias = new Float32Array(1)),
      /unknown field bias/,
    ],
    [
      'a negative variance',
      (w: Record<string, unknown>): unknown => ((w.runningVar as Float32Array)[0] = -1),
      /runningVar must not be negative/,
    ],
  ] as const)('rejects %s', (_, mutate, message) => {
    const w = good() as unknown as Record<string, unknown>;
    mutate(w);
    expect(() => createMemory(spec, { weights: w as never })).toThrow(message);
  });

  it('names the missing norm weights and the missing init', () => {
    const { normGamma: _, ...w } = good();
    expect(() => checkMemoryWeights(spec, w)).toThrow(/normGamma \[8\] is missing/);
    expect(() => createMemory(spec, {} as never)).toThrow(/init must be \{ seed: integer \} or \{ weights/);
    expect(() => createMemory(spec, { seed: 1.5 })).toThrow(/init must be/);
  });

  it('rejects bad forward and trace inputs', async () => {
    await useBackend('wasm');
    const mod = createMemory(spec, { seed: 1 });
    expect(() => mod.forward(tf.zeros([3, 5]) as tf.Tensor2D, 'eval')).toThrow(
      /x must be a tensor \[N, 6\] \(got \[3, 5\]\)/,
    );
    expect(() => mod.forward(tf.zeros([3, 6], 'int32') as tf.Tensor2D, 'eval')).toThrow(/float32/);
    expect(() => mod.forward(tf.zeros([3, 6]) as tf.Tensor2D, 'test' as never)).toThrow(/mode must be/);
    await expect(mod.trace(new Float32Array(5))).rejects.toThrow(/length d_in = 6/);
    expect(() => mod.valueGradientVariables(0)).toThrow(/positive integer/);
    mod.dispose();
  });
});
