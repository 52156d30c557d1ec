import { type ModelConfig, valueDim } from '../model/config';
import { memorySpecFromConfig } from '../model/memory/spec';
import { parameterCounts } from '../model/parameterCounts';
import { VOCAB_SIZE } from '../model/tokenizer';
import type { MemoryEstimate } from './protocol/model';

const FLOAT = 4;

/** Floats one block keeps alive for the backward pass of a training step over N = B·T tokens. */
function blockActivations(config: ModelConfig, memory: boolean): number {
  const { batch: b, context: t, d_model: d, attn_heads: heads } = config;
  const n = b * t;
  // LayerNorm inputs/outputs, q, k, v, attention context and projection, residual sums.
  const attention = 9 * n * d + 3 * b * heads * t * t;
  if (!memory) {
    const hidden = d * config.ffn_mult;
    return attention + 3 * n * hidden + 3 * n * d;
  }
  const hk = config.heads * config.k_dim;
  const slots = config.n_keys * config.n_keys;
  const scores = config.mem_keys === 'flat' ? config.heads * slots : config.heads * 2 * config.n_keys;
  const candidates = config.mem_keys === 'flat' ? 0 : config.heads * config.knn * config.knn;
  const reads = config.heads * config.knn;
  // Query before/after norm, sub-key (or full-key) scores, candidates, selected ids/scores/weights,
  // the rows read and the zero "probe" whose gradient is the value gradient.
  const gathered = 2 * reads * valueDim(config);
  return attention + n * (3 * hk + scores + candidates + 4 * reads + gathered + 2 * d);
}

/**
 * An upper estimate of what a config needs on the device: float32 parameters, Adam moments (two
 * per parameter, memory values included), and one training step's activations and gradients
 * (twice the activations). Checked before anything is allocated.
 */
export function estimateMemory(config: ModelConfig, capBytes: number): MemoryEstimate {
  const spec = config.mem_layers.length > 0 ? memorySpecFromConfig(config) : undefined;
  const params = parameterCounts(config, spec).total;
  const n = config.batch * config.context;
  let activations = n * (VOCAB_SIZE * 4 + 2 * config.d_model);
  for (let layer = 0; layer < config.layers; layer++) {
    activations += blockActivations(config, config.mem_layers.includes(layer));
  }
  const parameterBytes = params * FLOAT;
  const optimizerBytes = 2 * params * FLOAT;
  const activationBytes = 2 * activations * FLOAT;
  return {
    parameterBytes,
    optimizerBytes,
    activationBytes,
    totalBytes: parameterBytes + optimizerBytes + activationBytes,
    capBytes,
  };
}

export function formatBytes(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(2)} GiB`;
  if (bytes >= 2 ** 20) return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

/** The sentence shown when a config is over the cap: the parts and what to lower. */
export function overCapMessage(e: MemoryEstimate): string {
  return (
    `This config needs about ${formatBytes(e.totalBytes)} (parameters ${formatBytes(e.parameterBytes)}, ` +
    `Adam moments ${formatBytes(e.optimizerBytes)}, activations ${formatBytes(e.activationBytes)}), ` +
    `over the limit of ${formatBytes(e.capBytes)}: lower n_keys, v_dim, d_model, layers, batch or context.`
  );
}
