import * as tf from '@tensorflow/tfjs';
import type { LayerTrace, TokenTrace } from '../../src/engine/protocol';
import { VOCAB_SIZE } from '../../src/model/tokenizer';
import type { PkmModel } from '../../src/model/transformer';
import type { MemoryRecorder } from './recordingMemory';

/** The window the model sees for the token at `position`: at most `context` bytes ending there. */
export function windowStart(position: number, context: number): number {
  return Math.max(0, position - context + 1);
}

function topPredictions(logits: Float32Array, count: number): { token: number; probability: number }[] {
  let max = Number.NEGATIVE_INFINITY;
  for (const v of logits) max = Math.max(max, v);
  const exp = Array.from(logits, (v) => Math.exp(v - max));
  const sum = exp.reduce((a, b) => a + b, 0);
  return exp
    .map((e, token) => ({ token, probability: e / sum }))
    .sort((a, b) => b.probability - a.probability)
    .slice(0, count);
}

/**
 * The protocol's TokenTrace of one byte of `text` (what the engine's `trace` command answers):
 * the model reads the window ending at `position` in eval mode; each memory traces that token's
 * state, and the logits give the most likely next bytes.
 */
export async function traceToken(
  model: PkmModel,
  recorder: MemoryRecorder,
  text: string,
  bytes: Uint8Array,
  position: number,
  step: number,
): Promise<TokenTrace> {
  const start = windowStart(position, model.config.context);
  const length = position - start + 1;
  const window = Int32Array.from(bytes.subarray(start, position + 1));
  const logits = tf.tidy(() => {
    const { logits } = model.forward(tf.tensor2d(window, [1, length], 'int32'), 'eval');
    return logits.slice([0, length - 1, 0], [1, 1, VOCAB_SIZE]);
  });
  const last = (await logits.data()) as Float32Array;
  logits.dispose();
  const layers: LayerTrace[] = [];
  for (const [i, memory] of model.memories.entries()) {
    const input = recorder.lastEvalInput[i]!;
    const d = memory.spec.d_in;
    layers.push({
      layer: model.memoryLayers[i],
      trace: await memory.trace(input.slice((length - 1) * d, length * d)),
    });
  }
  return {
    text,
    position,
    layer: model.memoryLayers[0] ?? null,
    token: bytes[position],
    windowStart: start,
    step,
    predictions: topPredictions(last, 5),
    layers,
  };
}

/**
 * Every memory's read of every byte of `bytes`, each with its own window (as traceToken sees it):
 * per memory, slot ids and weights [positions, heads, knn]. Full windows run in batches.
 */
export async function readText(
  model: PkmModel,
  bytes: Uint8Array,
  batch = 64,
): Promise<{ layer: number; heads: number; knn: number; slots: Int32Array; weights: Float32Array }[]> {
  const context = model.config.context;
  const out = model.memories.map((m, i) => ({
    layer: model.memoryLayers[i],
    heads: m.spec.heads,
    knn: m.spec.knn,
    slots: new Int32Array(bytes.length * m.spec.heads * m.spec.knn),
    weights: new Float32Array(bytes.length * m.spec.heads * m.spec.knn),
  }));
  // Runs windows of one length; row `row` of each read is the token to keep for positions[b].
  const run = async (positions: number[], length: number) => {
    const tokens = new Int32Array(positions.length * length);
    positions.forEach((p, b) => {
      tokens.set(bytes.subarray(p - length + 1, p + 1), b * length);
    });
    const reads = tf.tidy(() => {
      const { reads } = model.forward(tf.tensor2d(tokens, [positions.length, length], 'int32'), 'eval');
      return reads.map((r) => [r.slots, r.weights] as const);
    });
    for (const [i, [slots, weights]] of reads.entries()) {
      const s = (await slots.data()) as Int32Array;
      const w = (await weights.data()) as Float32Array;
      const per = out[i].heads * out[i].knn;
      positions.forEach((p, b) => {
        const row = b * length + length - 1;
        out[i].slots.set(s.subarray(row * per, (row + 1) * per), p * per);
        out[i].weights.set(w.subarray(row * per, (row + 1) * per), p * per);
      });
      slots.dispose();
      weights.dispose();
    }
  };
  for (let p = 0; p < Math.min(context - 1, bytes.length); p++) await run([p], p + 1);
  for (let p = context - 1; p < bytes.length; p += batch) {
    const group = Array.from({ length: Math.min(batch, bytes.length - p) }, (_, j) => p + j);
    await run(group, context);
  }
  return out;
}
