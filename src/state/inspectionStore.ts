import { create } from 'zustand';
import type { DataSource } from './runData';
import type { TextReads } from './slotContexts';

/**
 * The reads of the inspection text per memory layer, which the slot inspector searches for the
 * contexts of a slot: from the precomputed run, or from a scan with the live model.
 */
export interface InspectionState {
  source: DataSource;
  /** Model step the reads were made at. */
  step: number;
  reads: Map<number, TextReads> | null;
  /** A live scan in progress: bytes traced so far of how many. */
  scanning: { done: number; total: number } | null;
  set(source: DataSource, step: number, reads: Map<number, TextReads> | null): void;
  progress(scanning: { done: number; total: number } | null): void;
  clear(): void;
}

export const useInspectionStore = create<InspectionState>()((set) => ({
  source: 'none',
  step: 0,
  reads: null,
  scanning: null,
  set(source, step, reads) {
    set({ source, step, reads });
  },
  progress(scanning) {
    set({ scanning });
  },
  clear() {
    set({ source: 'none', step: 0, reads: null, scanning: null });
  },
}));
