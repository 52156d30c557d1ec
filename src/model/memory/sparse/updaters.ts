import * as tf from '@tensorflow/tfjs';
import { isCpuBackend } from '../../ops/cpu/backendArrays';
import { heapView, isWasmBackend } from '../../ops/wasm/heap';
import { type SimdKernels, wasmSimd } from '../../ops/wasm/simd';
import {
  adamRowsInPlace,
  type RowStep,
  type RowUpdater,
  type RowUpdaterKind,
  type ValueTables,
} from './adam';
import { joinIds, readSlotIds } from './slotIds';
import { isWebGpuBackend, WebGpuRowUpdater } from './webgpuUpdater';

/**
 * The in-place sparse Adam updaters. cpu and wasm write the touched rows straight into the
 * backend's memory (the cpu backend's TypedArray, the wasm heap at the tensor's offset); webgpu
 * runs compute passes on tfjs's own buffers; any other backend falls back to
 * tf.tensorScatterUpdate, which copies each table once per step and reads the ids back.
 */

function tensorsOf(tables: ValueTables): tf.Tensor[] {
  return [tables.values, tables.m, tables.v];
}

/**
 * The cpu and wasm updaters read nothing back: the step's ids, gradients and control already sit
 * in host memory (the cpu backend's arrays, the wasm heap), computed synchronously before the
 * update runs, so they are used where they lie. Only the grouping (SlotSegmenter) is made here.
 */
interface HostStep {
  tables: Float32Array[];
  ids: Int32Array;
  grads: Float32Array;
  apply: boolean;
}

function hostStep(step: RowStep, tables: ValueTables, view: (t: tf.Tensor) => ArrayBufferView): HostStep {
  const asInt32 = (a: ArrayBufferView) =>
    a instanceof Int32Array ? a : Int32Array.from(a as unknown as ArrayLike<number>);
  const asFloat32 = (a: ArrayBufferView, what: string) => {
    if (!(a instanceof Float32Array)) throw new Error(`value update: ${what} is not float32`);
    return a;
  };
  const control = step.control ? asFloat32(view(step.control), 'the control') : null;
  return {
    tables: tensorsOf(tables).map((t) => asFloat32(view(t), 'the table')),
    ids: joinIds(step.ids.map((t) => asInt32(view(t)))),
    grads: asFloat32(view(step.grads), 'the gradient'),
    apply: control === null || control[1] > 0,
  };
}

/** The summed-gradient scratch of a cpu or wasm updater: kept across steps, grown when a step needs more. */
class SumsScratch {
  private sums = new Float32Array(0);

  get(length: number): Float32Array {
    if (this.sums.length < length) this.sums = new Float32Array(length);
    return this.sums;
  }

  release(): void {
    this.sums = new Float32Array(0);
  }
}

function applyHostStep(h: HostStep, step: RowStep, vDim: number, scratch: SumsScratch): void {
  if (!h.apply) return;
  const segments = step.segmenter.segment(h.ids);
  const sums = scratch.get(segments.count * vDim);
  adamRowsInPlace(h.tables[0], h.tables[1], h.tables[2], h.grads, segments, step, vDim, sums);
}

class CpuRowUpdater implements RowUpdater {
  readonly kind = 'cpu';
  private readonly scratch = new SumsScratch();

  async apply(tables: ValueTables, step: RowStep): Promise<void> {
    const backend = tf.backend();
    if (!isCpuBackend(backend)) throw new Error('cpu value update: the backend changed');
    const view = (t: tf.Tensor) => {
      const values = backend.data.get(t.dataId)?.values;
      if (!ArrayBuffer.isView(values))
        throw new Error('cpu value update: a tensor is not on the cpu backend');
      return values;
    };
    applyHostStep(hostStep(step, tables, view), step, tables.values.shape[1], this.scratch);
  }

  dispose(): void {
    this.scratch.release();
  }
}

/**
 * The wasm step with the SIMD kernel (ops/wasm/assembly/sparseAdam.ts, the same bits as
 * adamRowsInPlace; its float constants are rounded to float32 as they enter it) on the tables
 * where they lie; the grouping is copied into scratch. Heap views taken before are dead after
 * this: the scratch allocation may grow the heap.
 */
function simdAdamStep(simd: SimdKernels, tables: ValueTables, step: RowStep, ids: Int32Array, vDim: number) {
  const { rows, offsets, occurrences, count } = step.segmenter.segment(ids);
  const ints = [rows.subarray(0, count), offsets.subarray(0, count + 1), occurrences];
  simd.withScratch([...ints.map((a) => 4 * a.length), 16 * vDim], (at) => {
    ints.forEach((a, i) => {
      new Int32Array(simd.memory.buffer, at[i], a.length).set(a);
    });
    const [rowsAt, offsetsAt, occurrencesAt, scratch] = at;
    const [table, m, v, grads] = [tables.values, tables.m, tables.v, step.grads].map((t) => simd.at(t));
    const { beta1, beta2, eps } = step.adam;
    simd.run.sparseAdam(
      table,
      m,
      v,
      grads,
      rowsAt,
      offsetsAt,
      occurrencesAt,
      count,
      vDim,
      scratch,
      step.stepSize,
      beta1,
      beta2,
      1 - beta1,
      1 - beta2,
      eps,
    );
  });
}

class WasmRowUpdater implements RowUpdater {
  readonly kind = 'wasm';
  private readonly scratch = new SumsScratch();

  async apply(tables: ValueTables, step: RowStep): Promise<void> {
    const backend = tf.backend();
    if (!isWasmBackend(backend)) throw new Error('wasm value update: the backend changed');
    // Views of the heap as it is now: the JS loops allocate nothing on it (which could grow it and
    // detach them); the SIMD step allocates only after its last use of a view.
    const view = (t: tf.Tensor) =>
      t.dtype === 'int32'
        ? heapView(backend, t, Int32Array, 'value update')
        : heapView(backend, t, Float32Array, 'value update');
    const h = hostStep(step, tables, view);
    const vDim = tables.values.shape[1];
    const simd = vDim % 4 === 0 ? wasmSimd(backend) : null;
    if (!simd) {
      applyHostStep(h, step, vDim, this.scratch);
      return;
    }
    if (h.apply) simdAdamStep(simd, tables, step, h.ids, vDim);
  }

  dispose(): void {
    this.scratch.release();
  }
}

/**
 * Any backend: sums duplicate rows with ScatterNd, updates the gathered rows with tf ops and
 * writes them back with TensorScatterUpdate (one copy of each table). Shapes stay fixed at
 * M = N·heads·knn rows: the unused tail repeats row 0 of the step with its identical update.
 */
class GenericRowUpdater implements RowUpdater {
  readonly kind = 'generic';

  async apply(tables: ValueTables, step: RowStep): Promise<void> {
    const { stepSize, adam } = step;
    // Reads the ids back: this path serves backends whose memory it cannot reach (webgl).
    const segments = step.segmenter.segment(await readSlotIds(step.ids));
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
