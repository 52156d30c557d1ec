import { describe, expect, it } from 'vitest';
import {
  compareBudgets,
  denseBudgetFor,
  estimateModelParams,
  flatKeyBudget,
  productKeyBudget,
} from '../../src/model/budget';

// The paper's memory: n = 512 (262,144 slots), k = 32, H = 4, d_k = 512, d_v = d_model = 1024.
const paper = { d_model: 1024, n_keys: 512, knn: 32, heads: 4, k_dim: 512, v_dim: 0 };

describe('memory budgets', () => {
  it('counts the product-key memory of the paper', () => {
    const b = productKeyBudget(paper);
    expect(b.slots).toBe(262_144);
    expect(b.params).toEqual({
      query: 2_099_200,
      norm: 4_096,
      keys: 1_048_576,
      values: 268_435_456,
      total: 271_587_328,
    });
    expect(b.macs).toEqual({ query: 2_097_152, keys: 1_048_576, values: 131_072, total: 3_276_800 });
    expect(b.scoresPerToken).toBe(4 * (2 * 512 + 32 * 32));
  });

  it('flat keys score every slot and hold n² full keys', () => {
    const b = flatKeyBudget(paper);
    expect(b.params.keys).toBe(4 * 262_144 * 512);
    expect(b.macs.keys).toBe(536_870_912);
    expect(b.scoresPerToken).toBe(4 * 262_144);
    expect(
      flatKeyBudget({ ...paper, heads: 1 }).scoresPerToken /
        productKeyBudget({ ...paper, heads: 1 }).scoresPerToken,
    ).toBe(128);
  });

  it('drops the norm parameters without query norm and uses v_dim when given', () => {
    const b = productKeyBudget({
      d_model: 4,
      n_keys: 2,
      knn: 1,
      heads: 1,
      k_dim: 2,
      v_dim: 0,
      query_norm: 'none',
    });
    expect(b.params).toEqual({ query: 10, norm: 0, keys: 4, values: 16, total: 30 });
    expect(productKeyBudget({ ...paper, v_dim: 64 }).params.values).toBe(262_144 * 64);
  });

  it('sizes the dense FFN to the memory parameter count', () => {
    expect(denseBudgetFor(4, 30)).toEqual({ hidden: 3, params: 31, macs: 24 });
    const c = compareBudgets(paper);
    expect(Math.abs(c.dense.params - c.product.params.total)).toBeLessThanOrEqual(2 * 1024 + 1);
    // Same parameters, ~40x the compute of the product-key read.
    expect(c.dense.macs / c.product.macs.total).toBeGreaterThan(40);
  });

  it('rejects bad input with a message naming the field', () => {
    expect(() => productKeyBudget({ ...paper, k_dim: 3 })).toThrow('k_dim must be even (got 3)');
    expect(() => productKeyBudget({ ...paper, heads: 0 })).toThrow(
      'heads must be a positive integer (got 0)',
    );
    expect(() => productKeyBudget({ ...paper, v_dim: Number.NaN })).toThrow('v_dim');
  });

  it('estimates a model with a memory replacing one FFN', () => {
    const memory = { d_model: 64, n_keys: 32, knn: 8, heads: 2, k_dim: 32, v_dim: 0 };
    const shape = { vocab: 256, context: 32, d_model: 64, layers: 4, ffn_mult: 4, mem_layers: [2] };
    const m = estimateModelParams(shape, memory);
    expect(m.blocks.map((b) => b.memory)).toEqual([false, false, true, false]);
    expect(m.blocks[0].ffn).toBe(2 * 64 * 256 + 256 + 64);
    expect(m.blocks[2].ffn).toBe(productKeyBudget(memory).params.total);
    expect(m.blocks[0].attention).toBe(4 * (64 * 64 + 64));
    expect(m.total).toBe(
      m.embedding + m.head + m.blocks.reduce((s, b) => s + b.attention + b.norms + b.ffn, 0),
    );
  });
});
