/// <reference lib="webworker" />
/**
 * The engine's Web Worker: a thin shell that serves EngineSession (which owns tfjs and the model)
 * over Comlink. The UI thread never touches the GPU.
 */
import { serveEngine } from './serve';
import { configureWasmForBrowser } from './wasmPaths';

configureWasmForBrowser();

serveEngine(self, () => {
  // An error nobody catches: the page sees the worker's error event, as after a real crash.
  setTimeout(() => {
    throw new Error('engine worker crashed on purpose (debug command)');
  });
});
