/// <reference lib="webworker" />
import * as Comlink from 'comlink';
import { type BackendChoice, type BackendName, chooseBackend } from './backend';
import { configureWasmForBrowser } from './wasmPaths';

configureWasmForBrowser();

/** The worker owns tfjs: the UI thread never touches the GPU. */
const api = {
  async init(preferred?: BackendName): Promise<BackendChoice> {
    return chooseBackend(preferred);
  },
};

export type EngineWorkerApi = typeof api;

Comlink.expose(api);
