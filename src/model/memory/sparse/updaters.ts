import * as tf from '@tensorflow/tfjs';
import {
  adamRowsInPlace,
  type RowStep,
  type RowUpdater,
  type RowUpdaterKind,
  type ValueTables,
} from './adam';
import { isWebGpuBackend, WebGpuRowUpdater } from './webgpuUpdater';

/**
 * The in-place sparse Adam updaters. cpu and wasm write the touched rows straight into the
 * backend's memory (the cpu backend's TypedArray, the wasm heap at the tensor's offset); webgpu
 * runs a small compute shader on tfjs's own buffers; any other backend falls back to
 * tf.tensorScatterUpdate, which copies each table once per step.
 */

interface CpuBackendLike {
  data: { has(dataId: object): boolean; get(dataId: object): { values?: unknown } | undefined };
}

interface WasmBackendLike {
  dataIdMap: { has(dataId: object): boolean; get(dataId: object): { memoryOffset: number } | undefined };
  wasm: { HEAPU8: Uint8Array };
}

function isCpuBackend(b: unknown): b is CpuBackendLike {
  const data = (b as CpuBackendLike | null)?.data;
  return typeof data?.get === 'function' && typeof data.has === 'function';
}

function isWasmBackend(b: unknown): b is WasmBackendLike {
  const w = b as WasmBackendLike | null;
  return typeof w?.dataIdMap?.get === 'function' && w.wasm?.HEAPU8 instanceof Uint8Array;
}

function tensorsOf(tables: ValueTables): tf.Tensor[] {
  return [tables.values, tables.m, tables.v];
}

/** The gradients and whether the step applies; both are read together (one wait, data on the CPU). */
async function readStep(step: RowStep): Promise<{ grads: Float32Array; apply: boolean }> {
  const [grads, control] = await Promise.all([step.grads.data(), step.control?.data()]);
  return { grads: grads as Float32Array, apply: control === undefined || control[1] > 0 };
}

class CpuRowUpdater implements RowUpdater {
  readonly kind = 'cpu';

  async apply(tables: ValueTables, step: RowStep): Promise<void> {
    const { grads, apply } = await readStep(step);
    if (!apply) return;
    const backend = tf.backend();
    const arrays = tensorsOf(tables).map((t) => {
      const values = isCpuBackend(backend) ? backend.data.get(t.dataId)?.values : undefined;
      if (!(values instanceof Float32Array))
        throw new Error('cpu value update: table is not on the cpu backend');
      return values;
    });
    adamRowsInPlace(arrays[0], arrays[1], arrays[2], grads, step, tables.values.shape[1]);
  }

  dispose(): void {}
}

class WasmRowUpdater implements RowUpdater {
  readonly kind = 'wasm';

  async apply(tables: ValueTables, step: RowStep): Promise<void> {
    const { grads, apply } = await readStep(step);
    if (!apply) return;
    // Views are made after the await: the heap may have grown (and its buffer changed) meanwhile.
    const backend = tf.backend();
    if (!isWasmBackend(backend)) throw new Error('wasm value update: the backend changed');
    const heap = backend.wasm.HEAPU8.buffer;
    const arrays = tensorsOf(tables).map((t) => {
      const entry = backend.dataIdMap.get(t.dataId);
      if (!entry) throw new Error('wasm value update: table is not on the wasm backend');
      return new Float32Array(heap, entry.memoryOffset, t.size);
    });
    adamRowsInPlace(arrays[0], arrays[1], arrays[2], grads, step, tables.values.shape[1]);
  }

  dispose(): void {}
}

/**
 * Any backend: sums duplicate rows with ScatterNd, updates the gathered rows with tf ops and
 * writes them back with TensorScatterUpdate (one copy of each table). Shapes stay fixed at
 * M = N·heads·knn rows: the unused tail repeats row 0 of the step with its identical update.
 */
class GenericRowUpdater implements RowUpdater {
  readonly kind = 'generic';

  async apply(tables: ValueTables, step: RowStep): Promise<void> {
    const { segments, stepSize, adam } = step;
    const mRows = segments.segmentOf.length;
    const vDim = tables.values.shape[1];
    const slotIds = new Int32Array(mRows);
    const rowOfSlot = new Int32Array(mRows);
    for (let r = 0; r < mRows; r++) {
      const u = r < segments.count ? r : 0;
      slotIds[r] = segments.rows[u];
      rowOfSlot[r] = u;
    }
    const [values, m, v] = tf.tidy(() => {
      const summed = tf.scatterND(
        tf.tensor2d(segments.segmentOf, [mRows, 1], 'int32'),
        tf.reshape(step.grads, [mRows, vDim]),
        [mRows, vDim],
      );
      const g = tf.gather(summed, tf.tensor1d(rowOfSlot, 'int32'));
      const ids = tf.tensor1d(slotIds, 'int32');
      const at = tf.reshape(ids, [mRows, 1]);
      const m1 = tf.add(tf.mul(tf.gather(tables.m, ids), adam.beta1), tf.mul(g, 1 - adam.beta1));
      const v1 = tf.add(tf.mul(tf.gather(tables.v, ids), adam.beta2), tf.mul(tf.square(g), 1 - adam.beta2));
      const delta = tf.div(tf.mul(m1, stepSize), tf.add(tf.sqrt(v1), adam.eps));
      const old = tf.gather(tables.values, ids);
      const rows = tf.sub(old, delta);
      // A skipped step writes the rows back as they were.
      const keep = (next: tf.Tensor, before: tf.Tensor) =>
        step.control ? tf.where(tf.greater(tf.slice(step.control, [1], [1]), 0), next, before) : next;
      return [
        tf.tensorScatterUpdate(tables.values, at, keep(rows, old)),
        tf.tensorScatterUpdate(tables.m, at, keep(m1, tf.gather(tables.m, ids))),
        tf.tensorScatterUpdate(tables.v, at, keep(v1, tf.gather(tables.v, ids))),
      ];
    });
    tables.values.assign(values as tf.Tensor2D);
    values.dispose();
    tables.m.dispose();
    tables.v.dispose();
    tables.m = m as tf.Tensor2D;
    tables.v = v as tf.Tensor2D;
  }

  dispose(): void {}
}

export type UpdaterChoice = 'auto' | 'generic';

/** The fastest updater kind for the current backend (or the generic one when asked). */
export function updaterKindFor(choice: UpdaterChoice): RowUpdaterKind {
  const name = tf.getBackend();
  const backend = tf.backend();
  if (choice === 'generic') return 'generic';
  if (name === 'cpu' && isCpuBackend(backend)) return 'cpu';
  if (name === 'wasm' && isWasmBackend(backend)) return 'wasm';
  if (name === 'webgpu' && isWebGpuBackend(backend)) return 'webgpu';
  return 'generic';
}

export function createRowUpdater(kind: RowUpdaterKind): RowUpdater {
  const backend = tf.backend();
  if (kind === 'webgpu' && isWebGpuBackend(backend)) return new WebGpuRowUpdater(backend);
  if (kind === 'cpu') return new CpuRowUpdater();
  if (kind === 'wasm') return new WasmRowUpdater();
  return new GenericRowUpdater();
}

/** Whether every table lives on the current backend (else tfjs may move it: use the generic path). */
export function tablesOnBackend(tables: ValueTables): boolean {
  const backend = tf.backend();
  const has = (t: tf.Tensor) => {
    if (isWasmBackend(backend)) return backend.dataIdMap.has(t.dataId);
    if (isCpuBackend(backend)) return backend.data.has(t.dataId);
    if (isWebGpuBackend(backend)) return backend.tensorMap.has(t.dataId);
    return true;
  };
  return tensorsOf(tables).every(has);
}
