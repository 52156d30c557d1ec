import type * as tf from '@tensorflow/tfjs';

/**
 * The part of tfjs's cpu backend the fused kernels use: each tensor's values are a plain typed
 * array the kernels read in place, and outputs are fresh arrays handed to it (no copy).
 */
export interface CpuBackendLike {
  data: { has(dataId: object): boolean; get(dataId: object): { values?: unknown } | undefined };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: Float32Array | Int32Array): tf.TensorInfo;
}

export function isCpuBackend(b: unknown): b is CpuBackendLike {
  const data = (b as CpuBackendLike | null)?.data;
  return typeof data?.get === 'function' && typeof data.has === 'function';
}

/** The backend's own array of `t`, checked to be a `type`; `op` names the kernel in the error. */
export function valuesOf<T extends Float32Array | Int32Array>(
  backend: CpuBackendLike,
  t: tf.TensorInfo,
  type: new (n: number) => T,
  op: string,
): T {
  const values = backend.data.get(t.dataId)?.values;
  if (!(values instanceof type)) throw new Error(`cpu ${op}: ${t.dtype} input has no ${type.name}`);
  return values as T;
}
