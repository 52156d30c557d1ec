import { create } from 'zustand';
import type { LossRun } from '../components/LossChart';
import type { EvalReport, LayerUsage, Snapshot, TokenTrace } from '../engine/protocol';
import { applyEval, applySnapshot, type DataSource, emptyRunData, type RunData } from './runData';

export interface RunDataState {
  data: RunData;
  /**
   * A finished run drawn next to the live one in the loss chart (the precomputed run, once the
   * live model has taken over), or null.
   */
  reference: LossRun | null;
  snapshot(s: Snapshot): void;
  evaluated(report: EvalReport): void;
  /** A trace answered by `select` (the next snapshots refresh it). */
  traced(trace: TokenTrace | null): void;
  /** Replaces everything, e.g. with the precomputed run, or with nothing before a new model. */
  replace(data: RunData, reference?: LossRun | null): void;
  /** Usage maps that arrived later than the rest (the precomputed binary). */
  usageLoaded(usage: LayerUsage[], source: DataSource): void;
  clear(source?: DataSource): void;
}

export const useRunDataStore = create<RunDataState>()((set, get) => ({
  data: emptyRunData(),
  reference: null,
  snapshot(s) {
    set({ data: applySnapshot(get().data, s, 'live') });
  },
  evaluated(report) {
    set({ data: applyEval(get().data, report) });
  },
  traced(trace) {
    set({ data: { ...get().data, trace } });
  },
  replace(data, reference) {
    set(reference === undefined ? { data } : { data, reference });
  },
  usageLoaded(usage, source) {
    const { data } = get();
    if (data.source === source) set({ data: { ...data, usage } });
  },
  clear(source = 'none') {
    set({ data: emptyRunData(source) });
  },
}));
