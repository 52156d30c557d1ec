import type * as tf from '@tensorflow/tfjs';
import type { SlotSegmenter, SlotSegments } from './slotSegments';

export interface AdamSettings {
  beta1: number;
  beta2: number;
  eps: number;
}

export const DEFAULT_ADAM: Readonly<AdamSettings> = Object.freeze({ beta1: 0.9, beta2: 0.999, eps: 1e-8 });

/**
 * torch.optim.SparseAdam's step size for global step t (1-based): lr·sqrt(1 − β2^t)/(1 − β1^t);
 * the update is p −= stepSize · m / (sqrt(v) + eps), on the touched rows only.
 */
export function adamStepSize(lr: number, step: number, adam: AdamSettings): number {
  return (lr * Math.sqrt(1 - adam.beta2 ** step)) / (1 - adam.beta1 ** step);
}

/** The value table and its Adam moments, all [slots, v_dim] float32. */
export interface ValueTables {
  values: tf.Variable<tf.Rank.R2>;
  m: tf.Tensor2D;
  v: tf.Tensor2D;
}

export interface RowStep {
  /**
   * The slot ids of the step, one int32 tensor per member of the pool in member order (any shape);
   * joined in that order they are the rows of `grads`. Left on the backend: each updater gets them
   * its own way (cpu/wasm straight from the backend's memory, webgpu grouped on the GPU, the
   * generic and reference paths by reading them back).
   */
  ids: readonly tf.Tensor[];
  /** [M, v_dim]: the gradient of every row read (M = N·heads·knn per member), in the order of `ids`. */
  grads: tf.Tensor;
  /** The pool's grouper for the paths that group on the CPU. */
  segmenter: SlotSegmenter;
  stepSize: number;
  adam: AdamSettings;
  /**
   * The trainer's device-side [gradScale, apply] (ops/denseAdam.ts); with apply = 0 the step
   * writes nothing. Only apply is used: the values are not clipped. Absent: always applied.
   */
  control?: tf.Tensor1D;
}

export type RowUpdaterKind = 'cpu' | 'wasm' | 'webgpu' | 'generic';

/** Applies one sparse Adam step to the rows read, summing each row's occurrences. */
export interface RowUpdater {
  readonly kind: RowUpdaterKind;
  apply(tables: ValueTables, step: RowStep): Promise<void>;
  dispose(): void;
}

/**
 * The gradient of each touched row read more than once: its occurrences summed in float64 in
 * occurrence order (the first added to 0, as a sum from zero does), rounded once to float32 into
 * sums[u · vDim ..]. A row read once takes its gradient straight from `grads` (at 2^18 slots and
 * more, nearly every row): 0 + g, the same value.
 */
function sumRowGradients(
  grads: Float32Array,
  segments: SlotSegments,
  vDim: number,
  sums: Float32Array,
): void {
  const { offsets, occurrences, count } = segments;
  for (let u = 0; u < count; u++) {
    const first = offsets[u];
    const end = offsets[u + 1];
    const to = u * vDim;
    const from = occurrences[first] * vDim;
    if (end - first === 1) continue;
    for (let c = 0; c < vDim; c++) {
      let g = 0 + grads[from + c];
      for (let o = first + 1; o < end; o++) g += grads[occurrences[o] * vDim + c];
      sums[to + c] = g;
    }
  }
}

/**
 * Sparse Adam on plain arrays, in place: for each touched row, sums the gradients of its
 * occurrences, then updates the moments and the row. Untouched rows are never written.
 *
 * The rows are updated four at a time, column by column: at 2^18 slots and more every touched row
 * is a cache miss in each of the three tables, and four rows in one loop put twelve of those misses
 * in flight together where one row at a time waits for three. Every element still goes through the
 * same float ops in the same order, so the bits are those of a row-at-a-time loop. `sums` (at
 * least U·vDim, reused across steps by the caller) holds the summed gradients of rows read more
 * than once; absent, one is made.
 */
export function adamRowsInPlace(
  table: Float32Array,
  m: Float32Array,
  v: Float32Array,
  grads: Float32Array,
  segments: SlotSegments,
  step: Pick<RowStep, 'stepSize' | 'adam'>,
  vDim: number,
  sums: Float32Array = new Float32Array(segments.count * vDim),
): void {
  const { rows, count, offsets, occurrences } = segments;
  if (sums.length < count * vDim) throw new Error('sparse Adam: the gradient scratch is too small');
  sumRowGradients(grads, segments, vDim, sums);
  // The update in float32, each operation rounded as a float32 unit would (Math.fround of the
  // float64 result is the float32 result for +, −, ×, ÷ and √): the arithmetic of torch's float32
  // SparseAdam, of the WebGPU pass and of the wasm SIMD kernel, which does four lanes at once.
  const f = Math.fround;
  const b1 = f(step.adam.beta1);
  const b2 = f(step.adam.beta2);
  const a1 = f(1 - step.adam.beta1);
  const a2 = f(1 - step.adam.beta2);
  const eps = f(step.adam.eps);
  const stepSize = f(step.stepSize);
  let u = 0;
  for (; u + 4 <= count; u += 4) {
    const r0 = rows[u] * vDim;
    const r1 = rows[u + 1] * vDim;
    const r2 = rows[u + 2] * vDim;
    const r3 = rows[u + 3] * vDim;
    const one0 = offsets[u + 1] - offsets[u] === 1;
    const one1 = offsets[u + 2] - offsets[u + 1] === 1;
    const one2 = offsets[u + 3] - offsets[u + 2] === 1;
    const one3 = offsets[u + 4] - offsets[u + 3] === 1;
    const s0 = one0 ? grads : sums;
    const s1 = one1 ? grads : sums;
    const s2 = one2 ? grads : sums;
    const s3 = one3 ? grads : sums;
    const q0 = one0 ? occurrences[offsets[u]] * vDim : u * vDim;
    const q1 = one1 ? occurrences[offsets[u + 1]] * vDim : (u + 1) * vDim;
    const q2 = one2 ? occurrences[offsets[u + 2]] * vDim : (u + 2) * vDim;
    const q3 = one3 ? occurrences[offsets[u + 3]] * vDim : (u + 3) * vDim;
    for (let c = 0; c < vDim; c++) {
      const g0 = 0 + s0[q0 + c];
      const g1 = 0 + s1[q1 + c];
      const g2 = 0 + s2[q2 + c];
      const g3 = 0 + s3[q3 + c];
      const m0 = f(f(b1 * m[r0 + c]) + f(a1 * g0));
      const m1 = f(f(b1 * m[r1 + c]) + f(a1 * g1));
      const m2 = f(f(b1 * m[r2 + c]) + f(a1 * g2));
      const m3 = f(f(b1 * m[r3 + c]) + f(a1 * g3));
      const v0 = f(f(b2 * v[r0 + c]) + f(f(a2 * g0) * g0));
      const v1 = f(f(b2 * v[r1 + c]) + f(f(a2 * g1) * g1));
      const v2 = f(f(b2 * v[r2 + c]) + f(f(a2 * g2) * g2));
      const v3 = f(f(b2 * v[r3 + c]) + f(f(a2 * g3) * g3));
      m[r0 + c] = m0;
      m[r1 + c] = m1;
      m[r2 + c] = m2;
      m[r3 + c] = m3;
      v[r0 + c] = v0;
      v[r1 + c] = v1;
      v[r2 + c] = v2;
      v[r3 + c] = v3;
      table[r0 + c] -= f(f(stepSize * m0) / f(f(Math.sqrt(v0)) + eps));
      table[r1 + c] -= f(f(stepSize * m1) / f(f(Math.sqrt(v1)) + eps));
      table[r2 + c] -= f(f(stepSize * m2) / f(f(Math.sqrt(v2)) + eps));
      table[r3 + c] -= f(f(stepSize * m3) / f(f(Math.sqrt(v3)) + eps));
    }
  }
  for (; u < count; u++) {
    const at = rows[u] * vDim;
    const one = offsets[u + 1] - offsets[u] === 1;
    const src = one ? grads : sums;
    const g = one ? occurrences[offsets[u]] * vDim : u * vDim;
    for (let c = 0; c < vDim; c++) {
      const gc = 0 + src[g + c];
      const mc = f(f(b1 * m[at + c]) + f(a1 * gc));
      const vc = f(f(b2 * v[at + c]) + f(f(a2 * gc) * gc));
      m[at + c] = mc;
      v[at + c] = vc;
      table[at + c] -= f(f(stepSize * mc) / f(f(Math.sqrt(vc)) + eps));
    }
  }
}
