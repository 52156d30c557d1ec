import type * as tf from '@tensorflow/tfjs';

/**
 * The part of tfjs's wasm backend the fused kernels use: outputs allocated on the wasm heap, and
 * typed views of the heap at a tensor's data. An allocation may grow the heap and detach earlier
 * views, so kernels allocate every output first and take views after the last allocation.
 */
export interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
  dataIdMap: {
    has(dataId: object): boolean;
    get(dataId: object): { id: number; memoryOffset: number } | undefined;
  };
}

/** Whether `b` is tfjs's wasm backend (the parts above), for code outside a kernel. */
export function isWasmBackend(b: unknown): b is WasmBackendLike {
  const w = b as WasmBackendLike | null;
  return (
    typeof w?.typedArrayFromHeap === 'function' &&
    typeof w.makeOutput === 'function' &&
    typeof w.dataIdMap?.get === 'function' &&
    typeof w.dataIdMap.has === 'function'
  );
}

/** A view of `t`'s data on the heap, checked to be a `type`; `op` names the kernel in the error. */
export function heapView<T extends Float32Array | Int32Array>(
  backend: WasmBackendLike,
  t: tf.TensorInfo,
  type: new (n: number) => T,
  op: string,
): T {
  const view = backend.typedArrayFromHeap(t);
  if (!(view instanceof type)) throw new Error(`wasm ${op}: ${t.dtype} tensor is not a ${type.name}`);
  return view as T;
}
