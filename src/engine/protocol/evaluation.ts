/**
 * Protocol types: validation reports and fact-recall points. Apart because snapshots, commands
 * and checkpoint histories all carry them.
 */
import type { MemoryMetrics } from '../../model/metrics/memoryMetrics';

// ---------------------------------------------------------------------------------------------
// Evaluation

export interface MemoryLayerMetrics {
  /** The block index (an entry of config.mem_layers). */
  layer: number;
  metrics: MemoryMetrics;
}

export interface EvalReport {
  /** Step whose weights were evaluated. */
  step: number;
  /** Mean cross-entropy on the fixed validation set, nats per byte. */
  loss: number;
  perplexity: number;
  bitsPerByte: number;
  tokens: number;
  /** Usage, KL, Gini, topP per memory layer, per head and total, on the same fixed set. */
  memories: MemoryLayerMetrics[];
  /** Knowledge corpus only, on `evaluate` requests (unless recall: false): fact recall on the held-out wording. */
  recall?: { accuracy: number; answerLoss: number; probes: number };
  ms: number;
}

/** One fact-recall measurement (held-out wording), periodic (`recallEvery`) or from `evaluate`. */
export interface RecallPoint {
  /** Step whose weights were asked. */
  step: number;
  /** Fraction of the probed facts whose every answer byte was the top prediction, 0 to 1. */
  accuracy: number;
  /** Mean cross-entropy over the answer bytes, nats per byte. */
  answerLoss: number;
}
