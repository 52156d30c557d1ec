import * as Comlink from 'comlink';
import type { EngineWorkerApi } from './worker';

/** Starts the engine worker and returns its typed remote interface. */
export function startEngineWorker(): { api: Comlink.Remote<EngineWorkerApi>; worker: Worker } {
  const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'pkm-engine' });
  return { api: Comlink.wrap<EngineWorkerApi>(worker), worker };
}
