import type * as tf from '@tensorflow/tfjs';

/** The members' slot ids joined in member order (no copy for a single member). */
export function joinIds(parts: readonly Int32Array[]): Int32Array {
  if (parts.length === 1) return parts[0];
  const ids = new Int32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    ids.set(p, at);
    at += p.length;
  }
  return ids;
}

/**
 * Reads the step's slot ids back to the CPU (one wait for all members): the cost of the paths
 * that group on the CPU while the ids live on a device (the generic updater, WebGPU's reference).
 */
export async function readSlotIds(ids: readonly tf.Tensor[]): Promise<Int32Array> {
  const parts = await Promise.all(ids.map((t) => t.data()));
  return joinIds(parts.map((p) => (p instanceof Int32Array ? p : Int32Array.from(p as ArrayLike<number>))));
}

/** How many slot ids the members read together. */
export function idCount(ids: readonly tf.Tensor[]): number {
  return ids.reduce((n, t) => n + t.size, 0);
}
