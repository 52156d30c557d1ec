import * as tf from '@tensorflow/tfjs';
import { flatSelect, productSelect } from './select';
import type { HeadTrace, MemorySpec, MemoryTrace } from './types';

/**
 * The lookup of one token with every intermediate, computed by the same selection code as the
 * forward pass. All pieces are packed into one float32 tensor (ids < 2^24 are exact as floats),
 * so a trace costs a single readback: cheap enough for a live view on WebGPU.
 */

export interface TraceInputs {
  spec: MemorySpec;
  /** [1, heads·k_dim] query before and after normalisation (eval mode). */
  query: tf.Tensor2D;
  normed: tf.Tensor2D;
  keys: tf.Tensor;
  /** Reads the value rows of the selected slots [1, heads, knn] as [1, heads·knn, v_dim]. */
  values: (slots: tf.Tensor3D) => tf.Tensor;
  /** Computes the output [1, d_out] from the selected slots and their weights. */
  output: (slots: tf.Tensor3D, weights: tf.Tensor3D) => tf.Tensor2D;
}

type Layout = { name: string; size: number }[];

/** Builds the packed tensor (call inside tf.tidy) and the layout to decode it. */
export function packTrace(t: TraceInputs): { packed: tf.Tensor1D; layout: Layout } {
  const { spec } = t;
  const pieces: tf.Tensor[] = [];
  const layout: Layout = [];
  const add = (name: string, x: tf.Tensor) => {
    pieces.push(tf.reshape(tf.cast(x, 'float32'), [-1]));
    layout.push({ name, size: x.size });
  };
  add('query', t.query);
  add('normed', t.normed);
  let slots: tf.Tensor3D;
  let scores: tf.Tensor3D;
  if (spec.mem_keys === 'product') {
    const selection = productSelect(t.normed, t.keys, spec);
    ({ slots, scores } = selection);
    const { subScores, topScores, topIndices } = selection.intermediates;
    add('subScores', subScores); // [heads·2, 1, n]
    add('topScores', topScores); // [heads·2, 1, k]
    add('topIndices', topIndices);
    // Candidates in rank order: row = rank in half 1, column = rank in half 2.
    const byHead = tf.reshape(topScores, [spec.heads, 2, spec.knn]);
    const a = tf.slice(byHead, [0, 0, 0], [spec.heads, 1, spec.knn]);
    const b = tf.slice(byHead, [0, 1, 0], [spec.heads, 1, spec.knn]);
    add('candidates', tf.add(tf.reshape(a, [spec.heads, spec.knn, 1]), b));
  } else {
    const selection = flatSelect(t.normed, t.keys, spec);
    ({ slots, scores } = selection);
    add('subScores', selection.intermediates.scores); // [heads, 1, n²]
  }
  const weights = tf.softmax(scores);
  add('slots', slots);
  add('scores', scores);
  add('weights', weights);
  add('values', t.values(slots));
  add('output', t.output(slots, weights));
  return { packed: tf.concat(pieces) as tf.Tensor1D, layout };
}

/** Splits the read-back packed data into the trace the views use. */
export function unpackTrace(
  spec: MemorySpec,
  input: Float32Array,
  data: Float32Array,
  layout: Layout,
): MemoryTrace {
  const parts: Record<string, Float32Array> = {};
  let at = 0;
  for (const { name, size } of layout) {
    parts[name] = data.slice(at, at + size);
    at += size;
  }
  const { heads, knn, k_dim, n_keys, v_dim } = spec;
  const half = k_dim / 2;
  const product = spec.mem_keys === 'product';
  const slice = (name: string, h: number, width: number) => parts[name].slice(h * width, (h + 1) * width);
  const ints = (a: Float32Array) => Int32Array.from(a);
  const traces: HeadTrace[] = [];
  for (let h = 0; h < heads; h++) {
    const slots = ints(slice('slots', h, knn));
    const rows = slots.map((s) => Math.floor(s / n_keys));
    const cols = slots.map((s) => s % n_keys);
    const queryNormed = slice('normed', h, k_dim);
    const trace: HeadTrace = {
      query: slice('query', h, k_dim),
      queryNormed,
      subScores: product
        ? [slice('subScores', 2 * h, n_keys), slice('subScores', 2 * h + 1, n_keys)]
        : [slice('subScores', h, n_keys * n_keys)],
      slots,
      rows,
      cols,
      scores: slice('scores', h, knn),
      weights: slice('weights', h, knn),
      values: slice('values', h, knn * v_dim),
    };
    if (product) {
      const top = (side: number) => ({
        indices: ints(slice('topIndices', 2 * h + side, knn)),
        scores: slice('topScores', 2 * h + side, knn),
      });
      const subTop: [ReturnType<typeof top>, ReturnType<typeof top>] = [top(0), top(1)];
      trace.halves = [queryNormed.slice(0, half), queryNormed.slice(half)];
      trace.subTop = subTop;
      trace.candidates = slice('candidates', h, knn * knn);
      trace.candidateRank = {
        row: rows.map((r) => subTop[0].indices.indexOf(r)),
        col: cols.map((c) => subTop[1].indices.indexOf(c)),
      };
    }
    traces.push(trace);
  }
  return { n_keys, knn, mem_keys: spec.mem_keys, input, heads: traces, output: parts.output };
}
