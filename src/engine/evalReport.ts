import type { TokenBatch } from '../model/corpus/dataset';
import { evaluate } from '../model/evaluate';
import { memoryMetrics } from '../model/metrics/memoryMetrics';
import type { PkmModel } from '../model/transformer';
import type { EvalReport } from './protocol/evaluation';

/**
 * Validation loss and the memory metrics of every memory layer on a fixed set of batches, as the
 * engine reports them (the precomputed default run uses it too, so both read the same numbers).
 * `ms` is the time this took; fact recall is the caller's to add.
 */
export async function evalReport(model: PkmModel, batches: TokenBatch[], step: number): Promise<EvalReport> {
  const started = performance.now();
  const result = await evaluate(model, batches, { collectReads: true });
  return {
    step,
    loss: result.loss,
    perplexity: result.perplexity,
    bitsPerByte: result.bitsPerByte,
    tokens: result.tokens,
    memories: result.memories.map((m) => ({
      layer: m.layer,
      metrics: memoryMetrics(m.slots, m.weights, { slots: m.slotCount, heads: m.heads, knn: m.knn }),
    })),
    ms: performance.now() - started,
  };
}
