import { create } from 'zustand';
import type { LossRun } from '../../components/LossChart';
import type { RunData } from '../../state/runData';
import type { SavedRunMeta } from '../lab/savedRuns/runStorage';

/** A trained run replaced by a reset, kept in memory until undone, dismissed or replaced. */
export interface ResetRun {
  bytes: Uint8Array;
  data: RunData;
  reference: LossRun | null;
  step: number;
}

export interface WorkState {
  /** The autosave of an earlier visit, offered for restoring (null once chosen, or none). */
  offer: SavedRunMeta | null;
  /** The run before the latest reset. */
  undo: ResetRun | null;
  /** When the live run was last autosaved (ms since the epoch), and its step. */
  autosaved: { at: number; step: number } | null;
  /** A failure of the browser's storage, in one sentence. */
  problem: string | null;
  set(patch: Partial<Omit<WorkState, 'set'>>): void;
}

export const useWorkStore = create<WorkState>()((set) => ({
  offer: null,
  undo: null,
  autosaved: null,
  problem: null,
  set: (patch) => set(patch),
}));
