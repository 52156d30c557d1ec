import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, parseConfig, validateConfig, valueDim } from '../../src/model/config';

describe('validateConfig', () => {
  it('accepts the default config and fills missing fields', () => {
    const result = validateConfig({ n_keys: 64 });
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.config).toEqual({ ...DEFAULT_CONFIG, n_keys: 64 });
  });

  it('names the field and its allowed range', () => {
    const result = validateConfig({ n_keys: 4096, heads: 0, query_norm: 'rms' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const byField = Object.fromEntries(result.errors.map((e) => [e.field, e.message]));
    expect(byField.n_keys).toBe('n_keys must be an integer from 2 to 1024 (got 4096)');
    expect(byField.heads).toBe('heads must be an integer from 1 to 8 (got 0)');
    expect(byField.query_norm).toBe('query_norm must be one of batchnorm, layernorm, none (got "rms")');
  });

  it('rejects combinations: odd k_dim, knn above n_keys, memory outside the model', () => {
    const result = validateConfig({ k_dim: 33, n_keys: 4, knn: 8, layers: 2, mem_layers: [3] });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => e.field).sort()).toEqual(['k_dim', 'knn', 'mem_layers']);
    expect(result.errors.find((e) => e.field === 'knn')?.message).toMatch(/from 1 to 4 = min\(n_keys, 64\)/);
  });

  it('rejects NaN, strings for numbers and duplicate memory layers', () => {
    const result = validateConfig({ lr: Number.NaN, batch: '16', mem_layers: [1, 1] });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.map((e) => e.field).sort()).toEqual(['batch', 'lr', 'mem_layers']);
  });

  it('reports unknown fields instead of ignoring them', () => {
    expect(() => parseConfig({ nkeys: 64 })).toThrow(/unknown field "nkeys"/);
  });

  it('uses d_model as the value width unless v_dim is set', () => {
    expect(valueDim(DEFAULT_CONFIG)).toBe(DEFAULT_CONFIG.d_model);
    expect(valueDim({ ...DEFAULT_CONFIG, v_dim: 48 })).toBe(48);
    expect(validateConfig({ v_dim: 48 }).ok).toBe(false);
    expect(validateConfig({ v_dim: 48, mem_plus: true }).ok).toBe(true);
  });
});
