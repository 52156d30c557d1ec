/**
 * Reads an imported memory for many input vectors in fixed-size chunks (the last one padded with
 * zeros, its padding dropped): the app's memory module gives the slots and scores, and the output
 * when it can; the layout's own gates and readout are computed beside it (readout.ts). Each
 * chunk's tfjs work can run under a caller's lock (the engine's, so training steps interleave).
 */
import * as tf from '@tensorflow/tfjs';
import { createMemory } from '../../memory/createMemory';
import { throwIfAborted } from '../breathe';
import { computeReadout, gateWeights, layerNormRows } from './readout';
import type { ImportedMemory } from './types';

export const DEFAULT_READ_CHUNK = 1024;

export interface ImportedReads {
  /** Index of the chunk's first input row. */
  start: number;
  /** Real (unpadded) rows in this chunk. */
  rows: number;
  /** [rows, heads, knn]: slot ids row·n_keys + col, each head's k sorted by score, descending. */
  slots: Int32Array;
  /** [rows, heads, knn] raw scores. */
  scores: Float32Array;
  /** [rows, heads, knn] the layout's gate weights (softmax, or ReLU). */
  weights: Float32Array;
  /** [rows, outputWidth], or null when the output is not computed. */
  output: Float32Array | null;
}

export interface ReadOptions {
  chunk?: number;
  signal?: AbortSignal;
  /** Runs each section that uses tfjs (the engine's lock); by default they just run. */
  exclusive?: <T>(section: () => Promise<T>) => Promise<T>;
}

export async function* readImportedMemory(
  mem: ImportedMemory,
  inputs: Float32Array,
  count: number,
  options: ReadOptions = {},
): AsyncGenerator<ImportedReads> {
  const run = options.exclusive ?? (<T>(section: () => Promise<T>) => section());
  const { spec, weights } = mem.module;
  const { d_in: dIn, heads, knn, d_out: dOut } = spec;
  const per = heads * knn;
  const size = Math.min(options.chunk ?? DEFAULT_READ_CHUNK, count);
  const module = await run(async () => createMemory(spec, { weights }));
  const buffer = new Float32Array(size * dIn);
  try {
    for (let start = 0; start < count; start += size) {
      throwIfAborted(options.signal);
      const rows = Math.min(size, count - start);
      const raw = inputs.subarray(start * dIn, (start + rows) * dIn);
      buffer.fill(0);
      buffer.set(mem.inputNorm ? layerNormRows(raw, rows, dIn, mem.inputNorm) : raw);
      const read = await run(async () => {
        const x = tf.tensor2d(buffer, [size, dIn]);
        const r = module.forward(x, 'eval');
        try {
          const [slots, scores, w, output] = await Promise.all([
            r.slots.data(),
            r.scores.data(),
            r.weights.data(),
            mem.readout === null ? r.output.data() : Promise.resolve(null),
          ]);
          return { slots, scores, w, output };
        } finally {
          tf.dispose([x, r.output, r.slots, r.scores, r.weights]);
        }
      });
      const slots = Int32Array.from(read.slots.subarray(0, rows * per));
      const scores = (read.scores as Float32Array).slice(0, rows * per);
      const gates =
        mem.gates === 'softmax'
          ? (read.w as Float32Array).slice(0, rows * per)
          : gateWeights(scores, knn, mem.gates);
      let output: Float32Array | null = null;
      if (mem.outputWidth !== null) {
        output = mem.readout
          ? computeReadout(mem.readout, raw, rows, dIn, slots, gates, per).output
          : (read.output as Float32Array).slice(0, rows * dOut);
      }
      yield { start, rows, slots, scores, weights: gates, output };
    }
  } finally {
    await run(async () => module.dispose());
  }
}
