/// <reference lib="webworker" />
/**
 * The engine's Web Worker: a thin shell that serves EngineSession (which owns tfjs and the model)
 * over Comlink. The UI thread never touches the GPU.
 */
import { serveEngine } from './serve';
import { configureWasmForBrowser, provideWasmFiles } from './wasmPaths';

configureWasmForBrowser();

serveEngine(self, {
  // An error nobody catches: the page sees the worker's error event, as after a real crash.
  crash: () =>
    setTimeout(() => {
      throw new Error('engine worker crashed on purpose (debug command)');
    }),
  // Gone without a word, as a worker the browser killed: only the client's heartbeat notices.
  exit: () => setTimeout(() => self.close()),
  provideFiles: provideWasmFiles,
});
