import * as tf from '@tensorflow/tfjs';
import { denseAdamLoop } from '../cpu/denseAdam';
import type { DenseAdamArgs } from '../denseAdam';
import { heapView, isWasmBackend, type WasmBackendLike } from './heap';

/**
 * Dense Adam on the wasm backend: the cpu loop over Float32Array views of the wasm heap at each
 * tensor's offset (as the sparse value updater writes the value table). wasm ops run synchronously,
 * so the control tensor computed just before is already in the heap: nothing waits.
 */

/** The wasm backend, with the two calls that re-register an updated variable (see below). */
interface WasmAdamBackend extends WasmBackendLike {
  wasm: {
    tfjs: {
      registerTensor(id: number, size: number, memoryOffset: number): void;
      disposeData(id: number): void;
    };
  };
}

export function isWasmAdamBackend(b: unknown): b is WasmAdamBackend {
  const tfjs = (b as WasmAdamBackend | null)?.wasm?.tfjs;
  return (
    isWasmBackend(b) && typeof tfjs?.registerTensor === 'function' && typeof tfjs.disposeData === 'function'
  );
}

export function denseAdamWasm(args: DenseAdamArgs): void {
  const backend = tf.backend();
  if (!isWasmAdamBackend(backend)) throw new Error('wasm dense Adam: the backend is not wasm');
  // Views are made here, all at once: the heap's buffer changes when it grows.
  const view = (t: tf.Tensor) => heapView(backend, t, Float32Array, 'dense Adam');
  const arrays = {
    params: args.variables.map(view),
    grads: args.grads.map(view),
    m: args.m.map(view),
    v: args.v.map(view),
    control: view(args.control),
  };
  denseAdamLoop(arrays, args);
  // The wasm backend's MatMul caches XNNPACK operators holding a packed copy of a constant
  // operand, keyed by its tensor id and dropped when that id is disposed: re-register every
  // updated variable so the next forward packs the new weights (the memory stays where it is).
  if (arrays.control[1] > 0) {
    for (const x of args.variables) {
      const entry = backend.dataIdMap.get(x.dataId)!;
      backend.wasm.tfjs.disposeData(entry.id);
      backend.wasm.tfjs.registerTensor(entry.id, x.size, entry.memoryOffset);
    }
  }
}
