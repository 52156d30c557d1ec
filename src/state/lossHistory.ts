/**
 * Every training step's loss, appended from snapshots (`lossStart` + `losses`). Append-only
 * buffers that double when full; each value is an immutable view (a new object per change, the
 * arrays shared), so React and zustand see a change without copying thousands of points.
 */
export interface LossHistory {
  /** Step of each loss, ascending; valid up to `length`. */
  readonly steps: Float64Array;
  readonly loss: Float32Array;
  readonly length: number;
}

export const EMPTY_LOSS_HISTORY: LossHistory = {
  steps: new Float64Array(0),
  loss: new Float32Array(0),
  length: 0,
};

function withCapacity(h: LossHistory, keep: number, needed: number): LossHistory {
  let capacity = Math.max(256, h.steps.length);
  while (capacity < needed) capacity *= 2;
  const steps = new Float64Array(capacity);
  const loss = new Float32Array(capacity);
  steps.set(h.steps.subarray(0, keep));
  loss.set(h.loss.subarray(0, keep));
  return { steps, loss, length: keep };
}

/**
 * Adds the losses of steps `start`, `start + 1`, … A start at or before the last recorded step
 * (a restart restored an older checkpoint, or steps were replayed) first drops the steps from
 * `start` on, so every step appears once and steps stay ascending.
 */
export function appendLosses(h: LossHistory, start: number, losses: ArrayLike<number>): LossHistory {
  if (losses.length === 0) return h;
  let keep = h.length;
  while (keep > 0 && h.steps[keep - 1] >= start) keep--;
  const needed = keep + losses.length;
  // Truncation writes over values older views still show: copy into fresh buffers then.
  const base = keep < h.length || needed > h.steps.length ? withCapacity(h, keep, needed) : h;
  for (let i = 0; i < losses.length; i++) {
    base.steps[keep + i] = start + i;
    base.loss[keep + i] = losses[i];
  }
  return { steps: base.steps, loss: base.loss, length: needed };
}

/** The series as LossChart wants it (views, no copy). */
export function lossSeries(h: LossHistory): { steps: Float64Array; loss: Float32Array } {
  return { steps: h.steps.subarray(0, h.length), loss: h.loss.subarray(0, h.length) };
}

/** The latest loss, or null before the first step. */
export function lastLoss(h: LossHistory): number | null {
  return h.length > 0 ? h.loss[h.length - 1] : null;
}

/**
 * Keeps only steps ≤ `step` (after a restart restored that step's weights).
 */
export function truncateLosses(h: LossHistory, step: number): LossHistory {
  let keep = h.length;
  while (keep > 0 && h.steps[keep - 1] > step) keep--;
  return keep === h.length ? h : withCapacity(h, keep, keep);
}
