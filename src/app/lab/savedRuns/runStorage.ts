/**
 * Saved runs in the browser's IndexedDB (through `idb`): a list entry per run (name, date, step,
 * config), the run's history for the figures and its comparisons, and the engine's checkpoint
 * bytes, each in its own object store so that listing never reads the large parts. The live run's
 * autosave is one more run under a fixed id, overwritten in place and left out of the list.
 */
import { type DBSchema, type IDBPDatabase, openDB } from 'idb';
import type { EvalReport, RecallPoint } from '../../../engine/protocol';
import type { ModelConfig } from '../../../model/config';
import type { LayerCoverage, ValPoint } from '../../../state/runData';
import { formatBytes } from '../common/readFile';
import type { Comparison } from '../compare/results';

export const RUN_DB_NAME = 'pkm-explorer-runs';
const DB_VERSION = 1;
export const MAX_RUN_NAME = 120;
/** The id of the autosaved live run (never a saved run's: those are UUIDs). */
export const AUTOSAVE_ID = 'autosave';

export interface SavedRunMeta {
  id: string;
  name: string;
  /** ms since the epoch. */
  savedAt: number;
  step: number;
  config: ModelConfig;
  /** Size of the checkpoint, bytes. */
  size: number;
}

/** What the figures showed when the run was saved. */
export interface SavedRunHistory {
  losses: { steps: Float64Array; loss: Float32Array };
  val: ValPoint[];
  /** Absent in runs saved before the live recall curve (their checkpoint may still hold it). */
  recall?: RecallPoint[];
  coverage: LayerCoverage[];
  eval: EvalReport | null;
}

export interface SavedRun {
  meta: SavedRunMeta;
  bytes: Uint8Array;
  history: SavedRunHistory | null;
  comparisons: Comparison[];
}

export interface NewRun {
  name: string;
  config: ModelConfig;
  step: number;
  bytes: Uint8Array;
  history?: SavedRunHistory | null;
  comparisons?: Comparison[];
}

interface RunDb extends DBSchema {
  runs: { key: string; value: SavedRunMeta; indexes: { savedAt: number } };
  details: { key: string; value: { id: string; history: SavedRunHistory | null; comparisons: Comparison[] } };
  checkpoints: { key: string; value: { id: string; bytes: Uint8Array } };
}

/** A problem with the browser's storage, in one sentence for the user. */
export class StorageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StorageError';
  }
}

/** The problem with a run's name, or null. */
export function runNameProblem(name: string): string | null {
  const n = name.trim();
  if (n === '') return 'A saved run needs a name.';
  if (n.length > MAX_RUN_NAME)
    return `The name is too long (${n.length} characters, at most ${MAX_RUN_NAME}).`;
  return null;
}

function newId(): string {
  if (typeof crypto !== 'undefined' && 'randomUUID' in crypto) return crypto.randomUUID();
  return `run-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}

function storageFailure(err: unknown, what: string, size?: number): StorageError {
  if (err instanceof StorageError) return err;
  const e = err as { name?: string; message?: string };
  if (e?.name === 'QuotaExceededError') {
    return new StorageError(
      `The browser has no room left to ${what}${size ? ` (${formatBytes(size)})` : ''}: delete older runs, or download the run as a file instead.`,
    );
  }
  return new StorageError(`Could not ${what}: ${e?.message ?? String(err)}.`);
}

export class RunStorage {
  private constructor(private readonly db: IDBPDatabase<RunDb>) {}

  /** Opens (or creates) the database; fails with a StorageError where IndexedDB is unavailable. */
  static async open(name = RUN_DB_NAME): Promise<RunStorage> {
    if (typeof indexedDB === 'undefined') {
      throw new StorageError(
        'This browser has no IndexedDB here (a private window?): download runs as files instead.',
      );
    }
    try {
      const db = await openDB<RunDb>(name, DB_VERSION, {
        upgrade(db) {
          const runs = db.createObjectStore('runs', { keyPath: 'id' });
          runs.createIndex('savedAt', 'savedAt');
          db.createObjectStore('details', { keyPath: 'id' });
          db.createObjectStore('checkpoints', { keyPath: 'id' });
        },
      });
      return new RunStorage(db);
    } catch (err) {
      throw storageFailure(err, 'open the saved runs');
    }
  }

  /** Every saved run, newest first (the autosave is not one). */
  async list(): Promise<SavedRunMeta[]> {
    try {
      const all = await this.db.getAllFromIndex('runs', 'savedAt');
      return all.reverse().filter((meta) => meta.id !== AUTOSAVE_ID);
    } catch (err) {
      throw storageFailure(err, 'list the saved runs');
    }
  }

  async save(run: NewRun, now = Date.now()): Promise<SavedRunMeta> {
    return this.write(newId(), run, now);
  }

  /** Replaces the autosave with `run`. */
  autosave(run: NewRun, now = Date.now()): Promise<SavedRunMeta> {
    return this.write(AUTOSAVE_ID, run, now);
  }

  /** The autosave's list entry, or null when there is none. */
  async autosaved(): Promise<SavedRunMeta | null> {
    try {
      return (await this.db.get('runs', AUTOSAVE_ID)) ?? null;
    } catch (err) {
      throw storageFailure(err, 'read the autosaved run');
    }
  }

  private async write(id: string, run: NewRun, now: number): Promise<SavedRunMeta> {
    const problem = runNameProblem(run.name);
    if (problem) throw new StorageError(problem);
    if (run.bytes.byteLength === 0)
      throw new StorageError('There is nothing to save: the checkpoint is empty.');
    const meta: SavedRunMeta = {
      id,
      name: run.name.trim(),
      savedAt: now,
      step: run.step,
      config: run.config,
      size: run.bytes.byteLength,
    };
    try {
      const tx = this.db.transaction(['runs', 'details', 'checkpoints'], 'readwrite');
      await Promise.all([
        tx.objectStore('checkpoints').put({ id: meta.id, bytes: run.bytes }),
        tx
          .objectStore('details')
          .put({ id: meta.id, history: run.history ?? null, comparisons: run.comparisons ?? [] }),
        tx.objectStore('runs').put(meta),
        tx.done,
      ]);
    } catch (err) {
      throw storageFailure(err, `save “${meta.name}”`, meta.size);
    }
    return meta;
  }

  async rename(id: string, name: string): Promise<SavedRunMeta> {
    const problem = runNameProblem(name);
    if (problem) throw new StorageError(problem);
    try {
      const tx = this.db.transaction('runs', 'readwrite');
      const meta = await tx.store.get(id);
      if (!meta) throw missing();
      const next = { ...meta, name: name.trim() };
      await tx.store.put(next);
      await tx.done;
      return next;
    } catch (err) {
      throw storageFailure(err, 'rename the run');
    }
  }

  async remove(id: string): Promise<void> {
    try {
      const tx = this.db.transaction(['runs', 'details', 'checkpoints'], 'readwrite');
      await Promise.all([
        tx.objectStore('runs').delete(id),
        tx.objectStore('details').delete(id),
        tx.objectStore('checkpoints').delete(id),
        tx.done,
      ]);
    } catch (err) {
      throw storageFailure(err, 'delete the run');
    }
  }

  async load(id: string): Promise<SavedRun> {
    try {
      const tx = this.db.transaction(['runs', 'details', 'checkpoints'], 'readonly');
      const [meta, details, checkpoint] = await Promise.all([
        tx.objectStore('runs').get(id),
        tx.objectStore('details').get(id),
        tx.objectStore('checkpoints').get(id),
      ]);
      await tx.done;
      if (!meta || !checkpoint) throw missing();
      return {
        meta,
        bytes: checkpoint.bytes,
        history: details?.history ?? null,
        comparisons: details?.comparisons ?? [],
      };
    } catch (err) {
      throw storageFailure(err, 'load the run');
    }
  }

  close(): void {
    this.db.close();
  }
}

let shared: Promise<RunStorage> | null = null;

/** The app's one connection to the database (a failed open is retried on the next call). */
export function openRunStorage(): Promise<RunStorage> {
  shared ??= RunStorage.open().catch((err) => {
    shared = null;
    throw err;
  });
  return shared;
}

function missing(): StorageError {
  return new StorageError('This saved run no longer exists (was it deleted in another tab?).');
}
