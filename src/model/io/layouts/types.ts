/**
 * A memory module read from a PyTorch state_dict in one of the layouts people train with, mapped
 * onto the app's memory module (which computes the retrieval: query, norm, exact top-k) plus what
 * that module cannot express (input LayerNorm, ReLU gates, PEER experts, the memory+ projection
 * with biases, gating, an output LayerNorm), computed beside it on plain arrays.
 */
import type { MemorySpec, MemoryWeights } from '../../memory/types';

export const MEMORY_LAYOUTS = ['xlm', 'lucidrains', 'lingua'] as const;
export type MemoryLayout = (typeof MEMORY_LAYOUTS)[number];

/** How each layout is named to people. */
export const LAYOUT_LABELS: Record<MemoryLayout, string> = {
  xlm: 'XLM (HashingMemoryProductFast)',
  lucidrains: 'lucidrains/product-key-memory (PKM)',
  lingua: 'Memory Layers at Scale (lingua HashingMemory)',
};

export function isMemoryLayout(value: unknown): value is MemoryLayout {
  return typeof value === 'string' && (MEMORY_LAYOUTS as readonly string[]).includes(value);
}

/** softmax over each head's k scores (every layout's default), or ReLU (lucidrains' non_competitive_gates). */
export type Gates = 'softmax' | 'relu';

export interface Affine {
  weight: Float32Array;
  bias: Float32Array;
}

/** A torch Linear: weight [out, in] row-major, bias [out] (zeros when the module has none). */
export interface Linear {
  weight: Float32Array;
  bias: Float32Array;
  in: number;
  out: number;
}

/**
 * The output computed from the reads when the app's module cannot give it:
 *   read = Σ_{h,m} w · values[slot]                        ('values')
 *   read = Σ_{h,m} gelu(u[slot] · x) · w · v[slot]          ('peer', x the module's input)
 * then, in order: value_proj(read ⊙ silu(swilu(x))) or value_proj(read), · sigmoid(gating(x)),
 * LayerNorm(outputNorm).
 */
export interface Readout {
  kind: 'values' | 'peer';
  /** [n², width] the values ('values'), or PEER's v ('peer'). */
  values: Float32Array;
  /** PEER's u [n², d_in]. */
  peerU?: Float32Array;
  width: number;
  swilu?: Linear;
  valueProj?: Linear;
  /** Linear(d_in, 1). */
  gating?: Linear;
  outputNorm?: Affine;
}

export interface ImportedMemory {
  layout: MemoryLayout;
  /** The prefix the module sits under ('' for a file of one module). */
  prefix: string;
  /** The memory as it is in the file: its shapes, knn and query norm (what a report shows). */
  spec: MemorySpec;
  /** What the app's memory module runs: the retrieval and, with `readout` null, the output. */
  module: { spec: MemorySpec; weights: MemoryWeights };
  /** LayerNorm of the input before the query network (lucidrains' pre_layernorm). */
  inputNorm: Affine | null;
  gates: Gates;
  /** null: the module's own output is the memory's output. */
  readout: Readout | null;
  /** The output's width, or null when it is not computed (the notes say why). */
  outputWidth: number | null;
  /** What was mapped, shared or left out, one sentence each. */
  notes: string[];
}

export interface ReadMemoryOptions {
  /** Force a layout instead of detecting it from the tensor names and shapes. */
  layout?: MemoryLayout;
  /** The memory's name prefix inside a larger state_dict; needed when the file holds several. */
  prefix?: string;
  /** Slots read per head; by default the file's __metadata__ knn. */
  knn?: number;
  /** lucidrains only: its non_competitive_gates option (ReLU instead of softmax). */
  gates?: Gates;
  signal?: AbortSignal;
}

/** One memory found in a file, from its header alone (shapes, no data). */
export interface MemoryEntry {
  prefix: string;
  layout: MemoryLayout;
  heads: number;
  n_keys: number;
  k_dim: number;
  d_in: number;
  /** Largest knn this memory allows here: min(n_keys, 64). */
  maxKnn: number;
  /** knn from the file's __metadata__, else null (PyTorch state_dicts do not hold it). */
  fileKnn: number | null;
  /** The layout's own default (XLM, lucidrains and lingua all use 32), capped to maxKnn. */
  suggestedKnn: number;
  /** Output width, or null when the output cannot be computed. */
  outputWidth: number | null;
  notes: string[];
}

export interface MemoryFileDescription {
  memories: MemoryEntry[];
  /** Memory-like tensor groups that could not be read, with why (one line each). */
  problems: { prefix: string; message: string }[];
}
