/**
 * Inference speed of several models measured fairly on a shared machine: a batched eval-mode
 * forward (logits → argmax, the next-token choice, read back), warm-up forwards first, then
 * rounds in which every model runs once, in an order rotated each round, so that load from
 * elsewhere hits all models alike. The result is each model's median tokens per second.
 */
import * as tf from '@tensorflow/tfjs';
import type { PkmModel } from '../transformer';
import { median } from './trainRun';

export interface InferenceOptions {
  /** Sequences per forward; each has the models' common context length. */
  batch: number;
  /** Timed forwards per model. */
  rounds: number;
  /** Untimed forwards per model first (kernel set-up, caches). */
  warmup?: number;
  /** Token ids to read (at least batch·context of them, cycled otherwise); default: a fixed pattern. */
  tokens?: ArrayLike<number>;
}

async function timedForward(model: PkmModel, input: Int32Array, batch: number, context: number) {
  const start = performance.now();
  const choice = tf.tidy(() => {
    const { logits } = model.forward(tf.tensor2d(input, [batch, context], 'int32'), 'eval');
    return logits.argMax(-1);
  });
  await choice.data();
  choice.dispose();
  return performance.now() - start;
}

/** Median tokens per second of each model (same order as `models`). */
export async function measureInference(models: PkmModel[], options: InferenceOptions): Promise<number[]> {
  if (models.length === 0) return [];
  const { batch, rounds, warmup = 2 } = options;
  if (!Number.isInteger(batch) || batch < 1)
    throw new RangeError(`batch must be a positive integer (got ${batch})`);
  if (!Number.isInteger(rounds) || rounds < 1)
    throw new RangeError(`rounds must be a positive integer (got ${rounds})`);
  const context = models[0].config.context;
  if (models.some((m) => m.config.context !== context)) {
    throw new Error('inference timing compares models of one context length');
  }
  const input = new Int32Array(batch * context);
  const source = options.tokens;
  for (let i = 0; i < input.length; i++) {
    input[i] = source && source.length > 0 ? source[i % source.length] : (i * 37 + 11) % 256;
  }
  for (const model of models) {
    for (let w = 0; w < warmup; w++) await timedForward(model, input, batch, context);
  }
  const times: number[][] = models.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (let j = 0; j < models.length; j++) {
      const i = (j + r) % models.length;
      times[i].push(await timedForward(models[i], input, batch, context));
    }
  }
  const tokens = batch * context;
  return times.map((t) => tokens / (median(t) / 1000));
}
