import type { ModelConfig } from './config';
import type { MemorySpec } from './memory/types';
import { VOCAB_SIZE } from './tokenizer';

/** Trainable parameters of one memory module, by part (BatchNorm running statistics excluded). */
export interface MemoryParameterCounts {
  /** Query network: weight d_in·H·k_dim and bias H·k_dim. */
  query: number;
  /** Query normalisation affine (gain and shift, H·k_dim each); 0 for 'none'. */
  norm: number;
  /** Product: H·2·n·k_dim/2 sub-keys; flat: H·n²·k_dim full keys. */
  keys: number;
  /** n²·v_dim. */
  values: number;
  /** memory+: gate d_in·v_dim and projection v_dim·d_out. */
  plus: number;
  total: number;
}

export interface BlockParameterCounts {
  index: number;
  kind: 'ffn' | 'memory';
  /** Q, K, V and output projections with biases: 4d² + 4d. */
  attention: number;
  /** The block's two LayerNorms: 4d. */
  norms: number;
  /** Dense feed-forward: 2·d·h + h + d with h = d·ffn_mult; 0 in a memory block. */
  ffn: number;
  /** Its memory's counts; with mem_share_values only the first memory block counts the values. */
  memory?: MemoryParameterCounts;
  /** mem_share_values: the block index of the memory holding the shared value table. */
  valuesSharedWith?: number;
  total: number;
}

export interface ParameterCounts {
  /** Token embedding 256·d (also the tied output layer), positions context·d, output bias 256. */
  embeddings: { token: number; position: number; outputBias: number; total: number };
  blocks: BlockParameterCounts[];
  finalNorm: number;
  /** Everything the dense optimiser trains. */
  dense: number;
  /** Memory value tables (trained by the sparse optimiser); a shared table is counted once. */
  memoryValues: number;
  total: number;
}

/** `ownValues` false: a memory reading another's value table (mem_share_values) counts none. */
export function memoryParameterCounts(spec: MemorySpec, ownValues = true): MemoryParameterCounts {
  const hk = spec.heads * spec.k_dim;
  const slots = spec.n_keys * spec.n_keys;
  const query = spec.d_in * hk + hk;
  const norm = spec.query_norm === 'none' ? 0 : 2 * hk;
  const keys =
    spec.mem_keys === 'product' ? spec.heads * spec.n_keys * spec.k_dim : spec.heads * slots * spec.k_dim;
  const values = ownValues ? slots * spec.v_dim : 0;
  const plus = spec.mem_plus ? spec.d_in * spec.v_dim + spec.v_dim * spec.d_out : 0;
  return { query, norm, keys, values, plus, total: query + norm + keys + values + plus };
}

export function parameterCounts(config: ModelConfig, spec?: MemorySpec): ParameterCounts {
  const d = config.d_model;
  const hidden = d * config.ffn_mult;
  const embeddings = {
    token: VOCAB_SIZE * d,
    position: config.context * d,
    outputBias: VOCAB_SIZE,
    total: 0,
  };
  embeddings.total = embeddings.token + embeddings.position + embeddings.outputBias;
  const blocks: BlockParameterCounts[] = [];
  // A shared pool lives in the first memory block; the others hold no values of their own.
  const poolBlock = config.mem_share_values ? Math.min(...config.mem_layers) : undefined;
  for (let index = 0; index < config.layers; index++) {
    const isMemory = config.mem_layers.includes(index);
    if (isMemory && !spec)
      throw new Error(`block ${index} is a memory block: parameterCounts needs its MemorySpec`);
    const attention = 4 * d * d + 4 * d;
    const norms = 4 * d;
    const ffn = isMemory ? 0 : 2 * d * hidden + hidden + d;
    const sharing = isMemory && poolBlock !== undefined && poolBlock !== index;
    const memory = isMemory ? memoryParameterCounts(spec!, !sharing) : undefined;
    blocks.push({
      index,
      kind: isMemory ? 'memory' : 'ffn',
      attention,
      norms,
      ffn,
      ...(memory ? { memory } : {}),
      ...(sharing ? { valuesSharedWith: poolBlock } : {}),
      total: attention + norms + ffn + (memory?.total ?? 0),
    });
  }
  const finalNorm = 2 * d;
  const total = embeddings.total + finalNorm + blocks.reduce((sum, b) => sum + b.total, 0);
  const memoryValues = blocks.reduce((sum, b) => sum + (b.memory?.values ?? 0), 0);
  return { embeddings, blocks, finalNorm, dense: total - memoryValues, memoryValues, total };
}
