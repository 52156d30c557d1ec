/**
 * What a checkpoint file says about how its run went (usage counts, loss and recall history), as
 * the figures' data: read on the main thread from the same bytes the engine loads, so a saved run,
 * a file or the shipped run shows its usage map, loss and recall curves as soon as its model is ready.
 */
import { type CheckpointContents, decodeCheckpointHistory } from '../engine/checkpoint';
import type { LayerUsage, RecallPoint, UsageMap } from '../engine/protocol';
import type { LossHistory } from '../state/lossHistory';

/** Per-head rows of a flat [heads × slots] array, with their sum and its maximum. */
export function usageMap(data: Float32Array, heads: number, slots: number): UsageMap {
  const perHead = Array.from({ length: heads }, (_, h) => data.subarray(h * slots, (h + 1) * slots));
  const total = new Float32Array(slots);
  let max = 0;
  for (const h of perHead) for (let s = 0; s < slots; s++) total[s] += h[s];
  for (let s = 0; s < slots; s++) max = Math.max(max, total[s]);
  return { perHead, total, max };
}

export function usageFromCheckpoint(usage: CheckpointContents['usage']): LayerUsage[] | null {
  if (!usage || usage.layers.length === 0) return null;
  return usage.layers.map((u) => {
    const slots = u.counts.length / u.heads;
    return {
      layer: u.layer,
      heads: u.heads,
      slots,
      counts: usageMap(u.counts, u.heads, slots),
      weights: usageMap(u.weights, u.heads, slots),
      tokens: u.tokens,
      halfLife: usage.halfLife,
    };
  });
}

export interface CheckpointHistory {
  losses: LossHistory | null;
  usage: LayerUsage[] | null;
  /** Null for a file older than the live recall curve. */
  recall: RecallPoint[] | null;
}

/** The usage maps, losses and recall a checkpoint carries (nothing for an older file or unreadable bytes). */
export function checkpointHistory(bytes: Uint8Array): CheckpointHistory {
  let saved: ReturnType<typeof decodeCheckpointHistory>;
  try {
    saved = decodeCheckpointHistory(bytes);
  } catch {
    // The engine says what is wrong with a bad file; the figures just have no history.
    return { losses: null, usage: null, recall: null };
  }
  const l = saved.losses;
  return {
    losses: l
      ? { steps: Float64Array.from(l.loss, (_, i) => l.start + i), loss: l.loss, length: l.loss.length }
      : null,
    usage: usageFromCheckpoint(saved.usage),
    recall: saved.recall ?? null,
  };
}
