import { create } from 'zustand';
import type { CoverageReport } from '../engine/protocol';

/** A file given to "bring your own memory": chosen by the user, or made from the live model. */
export interface MemoryInputFile {
  name: string;
  bytes: Uint8Array;
  /** How it was made when the app made it (e.g. "random Gaussian inputs"), else null. */
  generated: string | null;
}

/** The files and the latest coverage report of "bring your own memory", kept while the page lives. */
export interface ByoMemoryState {
  memory: MemoryInputFile | null;
  inputs: MemoryInputFile | null;
  report: CoverageReport | null;
  setMemory(file: MemoryInputFile | null): void;
  setInputs(file: MemoryInputFile | null): void;
  setReport(report: CoverageReport | null): void;
}

export const useByoMemoryStore = create<ByoMemoryState>()((set) => ({
  memory: null,
  inputs: null,
  report: null,
  setMemory(memory) {
    set({ memory });
  },
  setInputs(inputs) {
    set({ inputs });
  },
  setReport(report) {
    set({ report });
  },
}));
