import * as tf from '@tensorflow/tfjs';
import type { TokenBatch } from './corpus/dataset';
import type { PkmModel } from './transformer';

/** What one memory read over the whole evaluation set: the input of the memory metrics. */
export interface MemoryEvalReads {
  /** The block index (an entry of config.mem_layers). */
  layer: number;
  heads: number;
  knn: number;
  /** n_keys²: the number of slots. */
  slotCount: number;
  /** int32 [tokens, heads, knn]: selected slot ids, per token and head sorted by score. */
  slots: Int32Array;
  /** [tokens, heads, knn]: their softmax weights. */
  weights: Float32Array;
}

export interface EvalResult {
  /** Mean cross-entropy over all predicted tokens, nats per byte. */
  loss: number;
  perplexity: number;
  bitsPerByte: number;
  /** Predicted tokens evaluated (batches × batch × context). */
  tokens: number;
  /** Per memory (mem_layers order), when collectReads was set. */
  memories: MemoryEvalReads[];
}

/**
 * Evaluates on a fixed set of batches in 'eval' mode (BatchNorm running statistics, no state
 * change). Deterministic for given weights and batches. With `collectReads`, also returns every
 * memory's slot ids and weights for every evaluated token, row = batch-major token order.
 */
export async function evaluate(
  model: PkmModel,
  batches: TokenBatch[],
  options: { collectReads?: boolean } = {},
): Promise<EvalResult> {
  if (batches.length === 0) throw new Error('evaluate needs at least one batch');
  const collect = options.collectReads ?? false;
  const perBatch = batches[0].batch * (batches[0].length - 1);
  const tokens = perBatch * batches.length;
  const memories: MemoryEvalReads[] = collect
    ? model.memories.map((m, i) => {
        const { heads, knn, n_keys } = m.spec;
        const size = tokens * heads * knn;
        return {
          layer: model.memoryLayers[i],
          heads,
          knn,
          slotCount: n_keys * n_keys,
          slots: new Int32Array(size),
          weights: new Float32Array(size),
        };
      })
    : [];
  let lossSum = 0;
  for (let b = 0; b < batches.length; b++) {
    const batch = batches[b];
    if (batch.batch * (batch.length - 1) !== perBatch)
      throw new Error('evaluation batches must share one shape');
    const out = tf.tidy(() => {
      const sequences = tf.tensor2d(batch.tokens, [batch.batch, batch.length], 'int32');
      const { loss, reads } = model.loss(sequences, 'eval');
      return {
        loss,
        slots: collect ? reads.map((r) => r.slots) : [],
        weights: collect ? reads.map((r) => r.weights) : [],
      };
    });
    try {
      // Read outside tidy: returning large typed arrays from tidy is slow.
      lossSum += (await out.loss.data())[0];
      for (let i = 0; i < out.slots.length; i++) {
        const offset = b * perBatch * memories[i].heads * memories[i].knn;
        memories[i].slots.set((await out.slots[i].data()) as Int32Array, offset);
        memories[i].weights.set((await out.weights[i].data()) as Float32Array, offset);
      }
    } finally {
      tf.dispose([out.loss, ...out.slots, ...out.weights]);
    }
  }
  const loss = lossSum / batches.length;
  return { loss, perplexity: Math.exp(loss), bitsPerByte: loss / Math.LN2, tokens, memories };
}
