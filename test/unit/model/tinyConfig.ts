import { type ModelConfig, parseConfig } from '../../../src/model/config';

/** A model small enough to train hundreds of steps in a unit test. */
export function tinyConfig(overrides: Partial<ModelConfig> = {}): ModelConfig {
  return parseConfig({
    d_model: 16,
    layers: 2,
    attn_heads: 2,
    context: 8,
    ffn_mult: 2,
    mem_layers: [],
    batch: 4,
    lr: 1e-2,
    warmup: 5,
    seed: 3,
    ...overrides,
  });
}
