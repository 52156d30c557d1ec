/**
 * Reset is undoable: the trained run is saved (checkpoint and figures) before the engine resets,
 * and a notice offers to put it back. Only trained live runs are kept (a fresh model loses nothing).
 */
import { useRunDataStore } from '../../state/runDataStore';
import type { EngineConnection } from '../engineConnection';
import type { EngineLink } from '../engineLink';
import { loadRunIntoApp } from '../lab/savedRuns/runHistory';
import { type ResetRun, useWorkStore } from './workStore';

/** The live run as it is now, when it has trained at all (else null). */
export async function keepBeforeReset(link: EngineLink): Promise<ResetRun | null> {
  const { data, reference } = useRunDataStore.getState();
  if (data.source !== 'live' || data.step === 0) return null;
  const file = await link.request({ type: 'saveCheckpoint' });
  return { bytes: file.bytes, data, reference, step: file.step };
}

/** Offers the kept run for undo (a later reset's run replaces it). */
export function offerUndo(kept: ResetRun | null): void {
  if (kept) useWorkStore.getState().set({ undo: kept });
}

/** Puts the run of before the reset back: weights, optimiser, step and every figure. */
export async function undoReset(engine: EngineConnection): Promise<void> {
  const kept = useWorkStore.getState().undo;
  if (!kept) return;
  useWorkStore.getState().set({ undo: null });
  try {
    await loadRunIntoApp(engine, { bytes: kept.bytes, history: null, comparisons: [] }, kept.data);
    useRunDataStore.getState().replace(useRunDataStore.getState().data, kept.reference);
  } catch (err) {
    // Still in memory: the notice stays so it can be tried again.
    useWorkStore
      .getState()
      .set({ undo: kept, problem: `Could not undo the reset: ${(err as Error).message}` });
  }
}
