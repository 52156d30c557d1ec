import * as tf from '@tensorflow/tfjs';
import { denseAdamLoop } from '../cpu/denseAdam';
import type { DenseAdamArgs } from '../denseAdam';

/**
 * Dense Adam on the wasm backend: the cpu loop over Float32Array views of the wasm heap at each
 * tensor's offset (as the sparse value updater writes the value table). wasm ops run synchronously,
 * so the control tensor computed just before is already in the heap: nothing waits.
 */

interface WasmBackendLike {
  dataIdMap: { get(dataId: object): { id: number; memoryOffset: number } | undefined };
  wasm: {
    HEAPU8: Uint8Array;
    tfjs: {
      registerTensor(id: number, size: number, memoryOffset: number): void;
      disposeData(id: number): void;
    };
  };
}

export function isWasmBackend(b: unknown): b is WasmBackendLike {
  const w = b as WasmBackendLike | null;
  return (
    typeof w?.dataIdMap?.get === 'function' &&
    w.wasm?.HEAPU8 instanceof Uint8Array &&
    typeof w.wasm.tfjs?.registerTensor === 'function' &&
    typeof w.wasm.tfjs.disposeData === 'function'
  );
}

export function denseAdamWasm(args: DenseAdamArgs): void {
  const backend = tf.backend();
  if (!isWasmBackend(backend)) throw new Error('wasm dense Adam: the backend is not wasm');
  // Views are made here, all at once: the heap's buffer changes when it grows.
  const heap = backend.wasm.HEAPU8.buffer;
  const view = (t: tf.Tensor): Float32Array => {
    const entry = backend.dataIdMap.get(t.dataId);
    if (!entry || t.dtype !== 'float32')
      throw new Error('wasm dense Adam: a tensor is not a float32 tensor on the wasm backend');
    return new Float32Array(heap, entry.memoryOffset, t.size);
  };
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
