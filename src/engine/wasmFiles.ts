/**
 * The wasm backend's binaries, as URLs the build serves. This module imports no tfjs: the main
 * thread reads these files once (engineWorkerCode) and hands them to every worker it starts.
 */
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

export const WASM_FILE_URLS = {
  'tfjs-backend-wasm.wasm': wasmPlain,
  'tfjs-backend-wasm-simd.wasm': wasmSimd,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
} as const;

/** The binaries a worker may load (the threaded one is never used: see configureWasmForBrowser). */
export const WASM_FILES_USED: readonly string[] = [wasmPlain, wasmSimd];
