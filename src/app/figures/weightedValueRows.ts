import type { MemoryTrace } from '../../model/memory/types';

export interface WeightedRow {
  head: number;
  /** Rank of the slot in its head's top-k (0 = best score). */
  rank: number;
  slot: number;
  weight: number;
  /** weight · value row, [v_dim]. */
  weighted: Float32Array;
}

export interface WeightedValues {
  /** The `top` heaviest reads over all heads, heaviest first. */
  rows: WeightedRow[];
  /** Σ w·v of the reads not in `rows` (zeros when none), and how many they are. */
  rest: Float32Array;
  restCount: number;
  /** Σ over heads and top-k of w·v: the memory's read before any memory+ gate, [v_dim]. */
  sum: Float32Array;
}

/**
 * Splits a traced token's read into its heaviest weighted value rows, the rest, and their sum, so
 * a figure can show the output being built row by row. Null when the trace carries no value rows.
 */
export function weightedValueRows(trace: MemoryTrace, vDim: number, top: number): WeightedValues | null {
  const all: WeightedRow[] = [];
  for (const [head, h] of trace.heads.entries()) {
    if (!h.values || h.values.length !== h.slots.length * vDim) return null;
    h.slots.forEach((slot, rank) => {
      const weight = h.weights[rank];
      const weighted = new Float32Array(vDim);
      for (let d = 0; d < vDim; d++) weighted[d] = weight * h.values[rank * vDim + d];
      all.push({ head, rank, slot, weight, weighted });
    });
  }
  all.sort((a, b) => b.weight - a.weight || a.head - b.head || a.rank - b.rank);
  const sum = new Float32Array(vDim);
  const rest = new Float32Array(vDim);
  all.forEach((r, i) => {
    for (let d = 0; d < vDim; d++) {
      sum[d] += r.weighted[d];
      if (i >= top) rest[d] += r.weighted[d];
    }
  });
  return { rows: all.slice(0, top), rest, restCount: Math.max(0, all.length - top), sum };
}
