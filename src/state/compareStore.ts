import { create } from 'zustand';
import type { Comparison } from './comparison';

/** Where a running comparison is. */
export interface CompareProgress {
  /** Index of the run being trained. */
  run: number;
  runs: number;
  /** Steps trained so far over all runs, and how many in all. */
  done: number;
  total: number;
  /** What the engine is doing now, e.g. "building", "training 40/200", "evaluating". */
  phase: string;
}

/**
 * The lab's comparisons in this session: the latest first. A saved run keeps the comparisons that
 * were here when it was saved, and loading it brings them back.
 */
export interface CompareState {
  comparisons: Comparison[];
  progress: CompareProgress | null;
  /** Set by the panel's Cancel; the runner stops at its next step batch. */
  cancelRequested: boolean;
  /** Adds or replaces (same id) a comparison. */
  put(c: Comparison): void;
  remove(id: string): void;
  replaceAll(list: Comparison[]): void;
  setProgress(p: CompareProgress | null): void;
  requestCancel(value: boolean): void;
}

export const useCompareStore = create<CompareState>()((set, get) => ({
  comparisons: [],
  progress: null,
  cancelRequested: false,
  put(c) {
    const list = get().comparisons;
    const i = list.findIndex((x) => x.id === c.id);
    set({ comparisons: i >= 0 ? list.map((x) => (x.id === c.id ? c : x)) : [c, ...list] });
  },
  remove(id) {
    set({ comparisons: get().comparisons.filter((c) => c.id !== id) });
  },
  replaceAll(comparisons) {
    set({ comparisons });
  },
  setProgress(progress) {
    set({ progress });
  },
  requestCancel(cancelRequested) {
    set({ cancelRequested });
  },
}));
