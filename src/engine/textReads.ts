import * as tf from '@tensorflow/tfjs';
import { encode } from '../model/tokenizer';
import type { PkmModel } from '../model/transformer';
import { EngineError } from './errors';
import type { TextReads } from './protocol/reads';
import { yieldToEvents } from './scheduling';

/**
 * Which slots one memory layer reads, and with what weights, at every byte of a text: what the
 * slot inspector needs, without a `trace` per byte.
 *
 * Each byte is read in the same window the `trace` command gives it (the at most `context` bytes
 * ending there), so the reads equal per-byte traces. Bytes before `context` all come from the
 * window at the start of the text (attention is causal: row p of it sees bytes 0..p); every later
 * byte is the last row of its own window. The windows run as [batch, context] forwards in eval
 * mode, the shape validation already compiled, with the last batch padded by repeating a window,
 * so no new shaders are needed. One readback of slots and weights per batch.
 */
export async function readTextReads(
  model: PkmModel,
  request: { text: string; layer: number | null },
  step: number,
  signal?: AbortSignal,
): Promise<TextReads> {
  const index = memoryIndex(model, request.layer);
  const layer = model.memoryLayers[index];
  const { heads, knn } = model.memories[index].spec;
  const bytes = encode(request.text);
  const n = bytes.length;
  const { context, batch } = model.config;
  const per = heads * knn;
  const slots = new Int32Array(n * per);
  const weights = new Float32Array(n * per);
  // Window w starts at byte w; window 0 gives bytes 0..min(n, context) - 1, window w > 0 byte w + context - 1.
  const windows = Math.max(1, n - context + 1);
  for (let first = 0; first < windows; first += batch) {
    if (signal?.aborted) throw new EngineError('cancelled', 'readText was cancelled');
    const tokens = new Int32Array(batch * context);
    for (let b = 0; b < batch; b++) {
      const start = Math.min(first + b, windows - 1);
      tokens.set(bytes.subarray(start, Math.min(n, start + context)), b * context);
    }
    const read = tf.tidy(() => {
      const { reads } = model.forward(tf.tensor2d(tokens, [batch, context], 'int32'), 'eval');
      return [reads[index].slots, reads[index].weights] as const;
    });
    let s: Int32Array;
    let w: Float32Array;
    try {
      [s, w] = (await Promise.all([read[0].data(), read[1].data()])) as [Int32Array, Float32Array];
    } finally {
      tf.dispose([...read]);
    }
    for (let b = 0; b < batch && first + b < windows; b++) {
      const start = first + b;
      const rows = start === 0 ? [...Array(Math.min(n, context)).keys()] : [context - 1];
      for (const row of rows) {
        const at = (b * context + row) * per;
        const position = start + row;
        slots.set(s.subarray(at, at + per), position * per);
        weights.set(w.subarray(at, at + per), position * per);
      }
    }
    // Lets pause/cancel/status through between batches of a long text.
    await yieldToEvents();
  }
  return { text: request.text, layer, heads, knn, positions: n, step, slots, weights };
}

function memoryIndex(model: PkmModel, layer: number | null): number {
  if (model.memoryLayers.length === 0) {
    throw new EngineError('bad-command', 'readText needs a memory layer: this model has none');
  }
  if (layer === null) return 0;
  const index = model.memoryLayers.indexOf(layer);
  if (index < 0) {
    throw new EngineError(
      'bad-command',
      `layer ${layer} has no memory: the memory layers are ${model.memoryLayers.join(', ')}`,
    );
  }
  return index;
}
