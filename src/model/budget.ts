import type { QueryNorm } from './config';

/**
 * Parameter and compute budgets of one memory layer (product keys, flat keys) and of a dense
 * feed-forward block with the same parameter count. Pure arithmetic on plain numbers, so the
 * views can recompute it on every config change. "MACs" are multiply-adds per token.
 */
export interface BudgetInput {
  d_model: number;
  n_keys: number;
  knn: number;
  heads: number;
  k_dim: number;
  /** 0 means d_model, as in the config. */
  v_dim: number;
  /** Default batchnorm; layernorm has the same affine parameters, none has none. */
  query_norm?: QueryNorm;
}

export interface MemoryBudget {
  slots: number;
  params: { query: number; norm: number; keys: number; values: number; total: number };
  macs: { query: number; keys: number; values: number; total: number };
  /** Key scores computed per token, all heads: 2·n_keys + knn² (product) or n_keys² (flat). */
  scoresPerToken: number;
}

export interface DenseBudget {
  /** Hidden width of a d_model → hidden → d_model block (with biases) holding `params` parameters. */
  hidden: number;
  params: number;
  macs: number;
}

export interface BudgetComparison {
  product: MemoryBudget;
  flat: MemoryBudget;
  /** A dense FFN with (as nearly as an integer width allows) the product-key memory's parameters. */
  dense: DenseBudget;
}

function checkInput(b: BudgetInput): void {
  for (const key of ['d_model', 'n_keys', 'knn', 'heads', 'k_dim'] as const) {
    if (!Number.isInteger(b[key]) || b[key] < 1) {
      throw new Error(`budget: ${key} must be a positive integer (got ${b[key]})`);
    }
  }
  if (!Number.isInteger(b.v_dim) || b.v_dim < 0) {
    throw new Error(`budget: v_dim must be a non-negative integer (got ${b.v_dim})`);
  }
  if (b.k_dim % 2 !== 0) throw new Error(`budget: k_dim must be even (got ${b.k_dim})`);
}

function memoryBudget(b: BudgetInput, flat: boolean): MemoryBudget {
  checkInput(b);
  const { d_model: d, n_keys: n, knn: k, heads: h, k_dim } = b;
  const v = b.v_dim > 0 ? b.v_dim : d;
  const slots = n * n;
  // Query network Linear(d → H·k_dim) with bias; the norm's affine scale and shift (BatchNorm's
  // running statistics are buffers, not parameters).
  const query = d * h * k_dim + h * k_dim;
  const norm = (b.query_norm ?? 'batchnorm') === 'none' ? 0 : 2 * h * k_dim;
  // Product: [H, 2, n, k_dim/2] sub-keys; flat: [H, n², k_dim] full keys.
  const keys = flat ? h * slots * k_dim : h * n * k_dim;
  const values = slots * v;
  const macs = {
    query: d * h * k_dim,
    // Each half scores n sub-keys of k_dim/2 (n·k_dim per head); candidate sums are additions only.
    keys: flat ? h * slots * k_dim : h * n * k_dim,
    // The weighted sum of the k value rows of each head.
    values: h * k * v,
    total: 0,
  };
  macs.total = macs.query + macs.keys + macs.values;
  return {
    slots,
    params: { query, norm, keys, values, total: query + norm + keys + values },
    macs,
    // The paper's O((|C| + k²)·d_q) drops the factor 2 of the two halves.
    scoresPerToken: h * (flat ? slots : 2 * n + k * k),
  };
}

export const productKeyBudget = (b: BudgetInput): MemoryBudget => memoryBudget(b, false);
export const flatKeyBudget = (b: BudgetInput): MemoryBudget => memoryBudget(b, true);

/** Parameters of a d_model → hidden → d_model FFN with biases: 2·d·hidden + hidden + d. */
export function ffnParams(d_model: number, hidden: number): number {
  return 2 * d_model * hidden + hidden + d_model;
}

/** The dense FFN whose parameter count is closest to `params`. */
export function denseBudgetFor(d_model: number, params: number): DenseBudget {
  const hidden = Math.max(1, Math.round((params - d_model) / (2 * d_model + 1)));
  return { hidden, params: ffnParams(d_model, hidden), macs: 2 * d_model * hidden };
}

export function compareBudgets(b: BudgetInput): BudgetComparison {
  const product = productKeyBudget(b);
  return { product, flat: flatKeyBudget(b), dense: denseBudgetFor(b.d_model, product.params.total) };
}

export interface ModelShape {
  vocab: number;
  context: number;
  d_model: number;
  layers: number;
  ffn_mult: number;
  mem_layers: number[];
}

export interface BlockParams {
  index: number;
  attention: number;
  norms: number;
  /** The dense FFN's parameters, or the memory's when the block holds one. */
  ffn: number;
  memory: boolean;
}

/**
 * Parameter counts of a pre-LayerNorm transformer with biased projections and an untied output
 * head. An estimate from the shape: the model's own variables are the authority.
 */
export function estimateModelParams(
  shape: ModelShape,
  memory: BudgetInput,
): { embedding: number; blocks: BlockParams[]; head: number; total: number } {
  const d = shape.d_model;
  const memParams = productKeyBudget({ ...memory, d_model: d }).params.total;
  const blocks = Array.from({ length: shape.layers }, (_, index) => {
    const isMemory = shape.mem_layers.includes(index);
    return {
      index,
      attention: 4 * (d * d + d),
      norms: 4 * d,
      ffn: isMemory ? memParams : ffnParams(d, shape.ffn_mult * d),
      memory: isMemory,
    };
  });
  const embedding = shape.vocab * d + shape.context * d;
  const head = 2 * d + d * shape.vocab + shape.vocab;
  const total = embedding + head + blocks.reduce((s, b) => s + b.attention + b.norms + b.ffn, 0);
  return { embedding, blocks, head, total };
}
