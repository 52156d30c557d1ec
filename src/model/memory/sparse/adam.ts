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
 * Sparse Adam on plain arrays, in place: for each touched row, sums the gradients of its
 * occurrences, then updates the moments and the row. Untouched rows are never written.
 */
export function adamRowsInPlace(
  table: Float32Array,
  m: Float32Array,
  v: Float32Array,
  grads: Float32Array,
  segments: SlotSegments,
  step: Pick<RowStep, 'stepSize' | 'adam'>,
  vDim: number,
): void {
  const { rows, offsets, occurrences, count } = segments;
  const { beta1, beta2, eps } = step.adam;
  const stepSize = step.stepSize;
  const g = new Float64Array(vDim);
  for (let u = 0; u < count; u++) {
    g.fill(0);
    for (let o = offsets[u]; o < offsets[u + 1]; o++) {
      const from = occurrences[o] * vDim;
      for (let c = 0; c < vDim; c++) g[c] += grads[from + c];
    }
    const at = rows[u] * vDim;
    for (let c = 0; c < vDim; c++) {
      // Rounded to float32 like the stored moments, so the row moves by what the moments say.
      const gc = Math.fround(g[c]);
      const mc = Math.fround(beta1 * m[at + c] + (1 - beta1) * gc);
      const vc = Math.fround(beta2 * v[at + c] + (1 - beta2) * gc * gc);
      m[at + c] = mc;
      v[at + c] = vc;
      table[at + c] -= (stepSize * mc) / (Math.sqrt(vc) + eps);
    }
  }
}
