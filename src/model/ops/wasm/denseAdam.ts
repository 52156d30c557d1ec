import * as tf from '@tensorflow/tfjs';
import { denseAdamLoop } from '../cpu/denseAdam';
import type { DenseAdamArgs } from '../denseAdam';

/**
 * Dense Adam on the wasm backend: the cpu loop over Float32Array views of the wasm heap at each
 * tensor's offset (as the sparse value updater writes the value table). wasm ops run synchronously,
 * so the control tensor computed just before is already in the heap: nothing waits.
 */

interface WasmBackendLike {
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  wasm: { HEAPU8: Uint8Array };
}

export function isWasmBackend(b: unknown): b is WasmBackendLike {
  const w = b as WasmBackendLike | null;
  return typeof w?.dataIdMap?.get === 'function' && w.wasm?.HEAPU8 instanceof Uint8Array;
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
  denseAdamLoop(
    {
      params: args.variables.map(view),
      grads: args.grads.map(view),
      m: args.m.map(view),
      v: args.v.map(view),
      control: view(args.control),
    },
    args,
  );
}
