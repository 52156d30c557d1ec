/**
 * Autosave of the live run into the saved runs' database (one record, overwritten): the engine's
 * recovery checkpoints (sent while training and when it pauses) are written at most every
 * AUTOSAVE_EVERY_MS while training, at once when paused, and the newest on pagehide. The next
 * visit offers to restore it.
 */
import type { CheckpointFile, EngineEvent } from '../../engine/protocol';
import { useCompareStore } from '../../state/compareStore';
import { isTraining, useEngineStore } from '../../state/engineStore';
import type { EngineConnection } from '../engineConnection';
import { currentHistory, loadRunIntoApp } from '../lab/savedRuns/runHistory';
import { AUTOSAVE_ID, openRunStorage } from '../lab/savedRuns/runStorage';
import { useWorkStore } from './workStore';

export const AUTOSAVE_EVERY_MS = 30_000;

export class Autosave {
  private latest: CheckpointFile | null = null;
  private writtenStep = -1;
  private lastWrite = 0;
  private writing = false;
  private again = false;

  constructor(private readonly everyMs = AUTOSAVE_EVERY_MS) {}

  /** Follows the engine's events and the page's lifecycle; returns the function that stops. */
  start(engine: EngineConnection): () => void {
    const off = engine.listen((e) => this.onEvent(e));
    if (typeof window === 'undefined') return off;
    const flush = () => void this.write(true);
    const hidden = () => {
      if (document.visibilityState === 'hidden') flush();
    };
    window.addEventListener('pagehide', flush);
    document.addEventListener('visibilitychange', hidden);
    return () => {
      off();
      window.removeEventListener('pagehide', flush);
      document.removeEventListener('visibilitychange', hidden);
    };
  }

  private onEvent(e: EngineEvent): void {
    if (e.type !== 'checkpoint') return;
    // A comparison's runs are not the user's run (it puts the live one back when done).
    if (useCompareStore.getState().progress !== null) {
      this.latest = null;
      return;
    }
    this.latest = e.checkpoint;
    void this.write(!isTraining(useEngineStore.getState().state));
  }

  /** Writes the newest checkpoint when it is new, trained since loading, and due (or `now`). */
  async write(now: boolean): Promise<void> {
    const file = this.latest;
    if (!file || file.step === this.writtenStep || file.step === useEngineStore.getState().model?.step)
      return;
    // Until the user chose, the earlier visit's run is not overwritten.
    if (useWorkStore.getState().offer) return;
    if (!now && Date.now() - this.lastWrite < this.everyMs) return;
    if (this.writing) {
      this.again = true;
      return;
    }
    this.writing = true;
    try {
      const storage = await openRunStorage();
      await storage.autosave({
        name: `autosave · step ${file.step}`,
        config: file.config,
        step: file.step,
        bytes: file.bytes,
        history: currentHistory(),
      });
      this.writtenStep = file.step;
      this.lastWrite = Date.now();
      useWorkStore.getState().set({ autosaved: { at: this.lastWrite, step: file.step }, problem: null });
    } catch (err) {
      useWorkStore.getState().set({ problem: `Autosave failed: ${(err as Error).message}` });
    } finally {
      this.writing = false;
    }
    if (this.again) {
      this.again = false;
      await this.write(true);
    }
  }
}

/** Offers the autosave of an earlier visit, if there is one. */
export async function checkForAutosave(): Promise<void> {
  try {
    const meta = await (await openRunStorage()).autosaved();
    if (meta) useWorkStore.getState().set({ offer: meta });
  } catch {
    // No storage here (a private window): nothing was autosaved either.
  }
}

/** Loads the offered autosave as the live run. */
export async function restoreAutosave(engine: EngineConnection): Promise<void> {
  const offer = useWorkStore.getState().offer;
  useWorkStore.getState().set({ offer: null, problem: null });
  try {
    const run = await (await openRunStorage()).load(AUTOSAVE_ID);
    await loadRunIntoApp(engine, run);
  } catch (err) {
    // The autosave is still there: offer it again next to what went wrong.
    useWorkStore.getState().set({ offer, problem: `Could not restore the run: ${(err as Error).message}` });
  }
}

/** Forgets the offered autosave. */
export async function discardAutosave(): Promise<void> {
  useWorkStore.getState().set({ offer: null });
  try {
    await (await openRunStorage()).remove(AUTOSAVE_ID);
  } catch (err) {
    useWorkStore.getState().set({ problem: (err as Error).message });
  }
}

/** Starts autosaving and looks for an earlier visit's run (main.tsx). */
export function keepWork(engine: EngineConnection): () => void {
  void checkForAutosave();
  return new Autosave().start(engine);
}
