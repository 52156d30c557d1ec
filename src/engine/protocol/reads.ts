/**
 * Protocol types: what the memory reads, as the inspection commands reply it (one token's trace,
 * a whole text's reads, the reads behind fact answers).
 */
import type { MemoryTrace } from '../../model/memory/types';

// ---------------------------------------------------------------------------------------------
// Tracing a token

/** The token whose lookup trace goes into snapshots. */
export interface TokenSelection {
  text: string;
  /** Byte offset of the token in the UTF-8 text (0 ≤ position < bytes). */
  position: number;
  /** The memory layer the UI shows (an entry of config.mem_layers), or null; traces cover every memory layer. */
  layer: number | null;
}

export interface LayerTrace {
  layer: number;
  /** Every head of the lookup: query, halves, sub-key scores, candidates, slots, weights. */
  trace: MemoryTrace;
}

export interface TokenTrace {
  text: string;
  position: number;
  layer: number | null;
  /** The byte at `position`. */
  token: number;
  /** The model sees bytes [windowStart, position] (at most `context` of them). */
  windowStart: number;
  /** Step whose weights were traced. */
  step: number;
  /** Most likely next bytes after `position`, descending. */
  predictions: { token: number; probability: number }[];
  /** One per memory layer (config.mem_layers order); empty for a model without memory. */
  layers: LayerTrace[];
}

/**
 * One memory layer's reads of every byte of a text (the `readText` command): each byte read in
 * the window a `trace` of it would use, so slots and weights equal those of per-byte traces.
 */
export interface TextReads {
  text: string;
  layer: number;
  heads: number;
  knn: number;
  /** Bytes of the text (UTF-8): the reads' first dimension. */
  positions: number;
  /** Step whose weights read the text. */
  step: number;
  /** int32 [positions, heads, knn]: slot ids, each head's k sorted by score, descending. */
  slots: Int32Array;
  /** [positions, heads, knn]: softmax weights of those slots. */
  weights: Float32Array;
}

/** What the memory read when the model answered one fact (an entry of `FactReads`). */
export interface FactRead {
  /** Index into the corpus's probes (CorpusInfo.probes of them). */
  index: number;
  entity: string;
  attribute: string;
  /** The fact asked in its held-out wording, up to the answer. */
  prompt: string;
  /** The true answer. */
  answer: string;
  /** The model's greedy continuation of the prompt: as many bytes as the answer has. */
  greedy: number[];
  /** `greedy` decoded (UTF-8, invalid bytes replaced). */
  greedyText: string;
  /** Every answer byte is the top prediction (scoreAnswer: the fact-recall metric's test). */
  recalled: boolean;
  /**
   * The asked memory layer's read at the prompt's last byte, the one that predicts the answer's
   * first byte (what a `trace` of that byte shows): per head, the slots by score descending and
   * their softmax weights. Empty for a model without memory.
   */
  heads: { slots: number[]; weights: number[] }[];
}

/** The `factReads` command's reply: facts asked with their held-out wording, and the slots read. */
export interface FactReads {
  /** Step whose weights answered. */
  step: number;
  /** The memory layer read, or null for a model without memory. */
  layer: number | null;
  /** Probes the corpus has (valid indices are 0 to probes − 1). */
  probes: number;
  facts: FactRead[];
}
