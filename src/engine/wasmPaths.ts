import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { WASM_FILE_URLS } from './wasmFiles';

/** Binaries handed over by the main thread (provideWasmFiles), by the URL tfjs would fetch. */
const provided = new Map<string, ArrayBuffer>();

export function provideWasmFiles(files: Record<string, ArrayBuffer>): void {
  for (const [url, bytes] of Object.entries(files)) provided.set(url, bytes);
}

interface FetchingPlatform {
  fetch(path: string, init?: RequestInit): Promise<Response>;
}

/**
 * In the browser the wasm backend loads its binaries through tfjs's platform fetch, which answers
 * from the copies the main thread handed over (a worker restarted while offline needs no network)
 * and otherwise fetches them from the app's origin: a worker started from a Blob URL has no base
 * URL for the build's root-relative paths. The threaded build hangs in a minified Vite bundle and
 * gains nothing on 2 cores, so it is off.
 */
export function configureWasmForBrowser(): void {
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  setWasmPaths({ ...WASM_FILE_URLS }, true);
  const platform = tf.env().platform as unknown as FetchingPlatform;
  const fromNetwork = platform.fetch.bind(platform);
  platform.fetch = (path, init) => {
    const bytes = provided.get(path);
    if (bytes) {
      return Promise.resolve(
        new Response(bytes.slice(0), { headers: { 'Content-Type': 'application/wasm' } }),
      );
    }
    return fromNetwork(new URL(path, globalThis.location.origin).href, init);
  };
}
