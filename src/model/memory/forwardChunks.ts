/**
 * Reads a memory for many input vectors in fixed-size chunks (the last one padded with zeros and
 * its padding dropped), so any B fits in memory and every forward has the same shape. Eval mode:
 * BatchNorm uses its running statistics, so padding rows do not affect the real ones.
 */
import * as tf from '@tensorflow/tfjs';
import type { MemoryModule } from './types';

export const DEFAULT_CHUNK = 1024;

export interface ChunkReads {
  /** Index of the chunk's first input row. */
  start: number;
  /** Real (unpadded) rows in this chunk. */
  rows: number;
  /** [rows, heads, knn] */
  slots: Int32Array;
  scores: Float32Array;
  weights: Float32Array;
  /** [rows, d_out] */
  output: Float32Array;
}

export async function* forwardChunks(
  module: MemoryModule,
  inputs: Float32Array,
  count: number,
  chunk = DEFAULT_CHUNK,
): AsyncGenerator<ChunkReads> {
  const { d_in: dIn, heads, knn, d_out: dOut } = module.spec;
  const size = Math.min(chunk, count);
  const per = heads * knn;
  const buffer = new Float32Array(size * dIn);
  for (let start = 0; start < count; start += size) {
    const rows = Math.min(size, count - start);
    buffer.fill(0);
    buffer.set(inputs.subarray(start * dIn, (start + rows) * dIn));
    const x = tf.tensor2d(buffer, [size, dIn]);
    const read = module.forward(x, 'eval');
    try {
      const [slots, scores, weights, output] = await Promise.all([
        read.slots.data(),
        read.scores.data(),
        read.weights.data(),
        read.output.data(),
      ]);
      yield {
        start,
        rows,
        slots: Int32Array.from(slots.subarray(0, rows * per)),
        scores: (scores as Float32Array).slice(0, rows * per),
        weights: (weights as Float32Array).slice(0, rows * per),
        output: (output as Float32Array).slice(0, rows * dOut),
      };
    } finally {
      tf.dispose([x, read.output, read.slots, read.scores, read.weights]);
    }
  }
}
