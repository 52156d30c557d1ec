/**
 * The engine worker's code, read once per page and kept in memory: the script (as a Blob URL) and
 * the wasm binaries. A worker restarted after a crash then needs no network, so recovery works
 * offline or with the server gone. A Blob worker needs `worker-src blob:` in a CSP; its wasm
 * binaries are handed over as bytes, so no `connect-src blob:` is needed.
 */

import { WASM_FILES_USED } from './wasmFiles';
import workerScriptUrl from './worker.ts?worker&url';
import type { WorkerLike } from './workerChannel';

export interface EngineWorkerCode {
  /** Where to start the worker from: a Blob URL of the built script (the dev server's URL in dev). */
  url: string;
  /** The wasm binaries, by the URL the worker would fetch them from. */
  files: Record<string, ArrayBuffer>;
}

let reading: Promise<EngineWorkerCode> | null = null;

async function download(url: string): Promise<Response> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response;
}

async function read(): Promise<EngineWorkerCode> {
  const files: Record<string, ArrayBuffer> = {};
  // The dev server's worker is a module graph of many files: it cannot run from one Blob.
  const script = import.meta.env.DEV ? null : download(workerScriptUrl).then((r) => r.text());
  await Promise.all(
    WASM_FILES_USED.map(async (url) => {
      files[url] = await (await download(url)).arrayBuffer();
    }),
  );
  const text = await script;
  const url =
    text === null ? workerScriptUrl : URL.createObjectURL(new Blob([text], { type: 'text/javascript' }));
  return { url, files };
}

/** The worker's code, read on the first call (a failed read is tried again on the next). */
export function engineWorkerCode(): Promise<EngineWorkerCode> {
  reading ??= read().catch((err: unknown) => {
    reading = null;
    throw new Error(`the engine's code could not be loaded (${(err as Error).message})`);
  });
  return reading;
}

/** The engine's Worker, started from the script kept in memory; its wasm binaries go with it. */
export async function createEngineWorker(): Promise<WorkerLike> {
  const code = await engineWorkerCode();
  const worker = new Worker(code.url, { type: 'module', name: 'pkm-engine' }) as Worker & WorkerLike;
  worker.files = code.files;
  return worker;
}
