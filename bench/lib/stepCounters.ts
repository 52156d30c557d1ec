import * as tf from '@tensorflow/tfjs';

/**
 * Counts the work one training step asks of the tfjs backend: kernels run (every op goes through
 * the engine's runKernel, gradients and optimiser updates included), WebGPU programs dispatched,
 * and data read back to the CPU (the backend's read / readSync). Hooks are put on the engine and
 * backend instances for the duration of one call and taken off after it, so nothing else is slowed.
 */

/**
 * Kernels that compute nothing on the wasm and WebGPU backends: Reshape and ExpandDims hand out the
 * input's buffer under a new shape (both backends' kernels only bump a reference count), Identity
 * hands out the same buffer. Everything else allocates an output and runs a program or a wasm call.
 * Caveat: tfjs-wasm's own Identity copies; the fused mode replaces it by a sharing one
 * (src/model/ops/wasm/identity.ts), so on wasm the reference mode's "views" include real copies.
 */
export const VIEW_KERNELS: ReadonlySet<string> = new Set(['Reshape', 'Identity', 'ExpandDims']);

export interface ReadRecord {
  bytes: number;
  /** readSync (dataSync, arraySync): the CPU waits for the device right there. */
  sync: boolean;
  /** Compute kernels issued before the read started and before it returned (undefined: still pending). */
  kernelsAtIssue: number;
  kernelsAtReturn?: number;
}

export interface StepWork {
  /** Every kernel the engine ran. */
  kernels: number;
  /** Kernels minus VIEW_KERNELS. */
  compute_kernels: number;
  view_kernels: number;
  /** WebGPU only: compute programs dispatched (small tensors run on the CPU and dispatch none). */
  gpu_programs?: number;
  /**
   * WebGPU only: every compute dispatch recorded, tfjs's programs and the passes the fused ops
   * record on their own (dense Adam, the sparse value update), which runKernel does not see.
   */
  gpu_dispatches?: number;
  /**
   * Reads back to the CPU: those of the step's own code (tensor.data(), dataSync(), …), and those a
   * kernel makes of data still on the GPU (a synchronous GPU read-back inside a kernel).
   */
  reads: number;
  /** Reads the step waited on before issuing more work (see blockingReads). */
  blocking_reads: number;
  read_bytes: number;
  /**
   * Reads a kernel's implementation makes of inputs already in CPU memory while it runs (wasm's
   * Slice and Unpack slice in JS out of the wasm heap; WebGPU's kernels forwarded to the CPU for
   * small tensors): no device is waited on, so they are not reads back; reported apart.
   */
  kernel_reads: number;
  kernel_read_bytes: number;
  /** Kernel name → count, most frequent first. */
  by_kernel: Record<string, number>;
}

/**
 * A read blocks the step when the step issued no work while it was pending and then went on to
 * issue more: the device sat idle (WebGPU) while the CPU waited for its answer. A read after the
 * step's last kernel (reading the loss at the end) or one overlapped with later kernels does not.
 */
export function blockingReads(reads: readonly ReadRecord[], kernelsAtEnd: number): number {
  return reads.filter(
    (r) =>
      r.kernelsAtReturn !== undefined &&
      r.kernelsAtReturn === r.kernelsAtIssue &&
      kernelsAtEnd > r.kernelsAtReturn,
  ).length;
}

/** Bytes of what a backend read returned: a typed array, or one per element for string tensors. */
export function byteSize(values: unknown): number {
  if (ArrayBuffer.isView(values)) return values.byteLength;
  if (Array.isArray(values)) return values.reduce((sum: number, v) => sum + byteSize(v), 0);
  return 0;
}

type AnyFn = (...args: never[]) => unknown;
type Patchable = Record<string, unknown>;

let active = false;

/**
 * Whether reading `dataId` touches only CPU memory: always on wasm and cpu (host memory); on
 * WebGPU when the tensor has a CPU copy (its `values`, as for small tensors kept on the CPU).
 */
function inCpuMemory(backend: Patchable, dataId: unknown): boolean {
  if (typeof backend.runWebGPUProgram !== 'function') return true;
  const map = backend.tensorMap as { get(id: unknown): { values?: unknown } | undefined } | undefined;
  return map?.get(dataId)?.values != null;
}

/** Replaces obj[key] (a method) by wrap(original) until the returned undo runs. */
function patch(obj: Patchable, key: string, wrap: (original: AnyFn) => AnyFn): () => void {
  const own = Object.hasOwn(obj, key);
  const previous = obj[key];
  const original = (previous as AnyFn).bind(obj);
  obj[key] = wrap(original);
  return () => {
    if (own) obj[key] = previous;
    else delete obj[key];
  };
}

/** Runs `fn` (one step) with the counters on, on the current backend; returns its result and work. */
export async function countStepWork<T>(fn: () => Promise<T>): Promise<{ result: T; work: StepWork }> {
  if (active) throw new Error('countStepWork: already counting (it is not re-entrant)');
  active = true;
  const engine = tf.engine() as unknown as Patchable;
  const backend = tf.backend() as unknown as Patchable;
  const byKernel = new Map<string, number>();
  const reads: ReadRecord[] = [];
  const kernelReads: ReadRecord[] = [];
  let compute = 0;
  // Kernels running now: a read made while one runs is the kernel's own.
  let kernelDepth = 0;
  let programs = 0;
  let dispatches = 0;
  // wasm's read() calls readSync() itself: only the outermost read is one read back.
  let readDepth = 0;
  const undo: (() => void)[] = [];
  try {
    undo.push(
      patch(engine, 'runKernel', (original) => (...args) => {
        const name = String(args[0]);
        byKernel.set(name, (byKernel.get(name) ?? 0) + 1);
        if (!VIEW_KERNELS.has(name)) compute++;
        kernelDepth++;
        try {
          return original(...args);
        } finally {
          kernelDepth--;
        }
      }),
    );
    const webgpu = typeof backend.runWebGPUProgram === 'function';
    if (webgpu) {
      undo.push(
        patch(backend, 'runWebGPUProgram', (original) => (...args) => {
          programs++;
          return original(...args);
        }),
      );
      const encoder = (globalThis as unknown as { GPUComputePassEncoder?: { prototype: Patchable } })
        .GPUComputePassEncoder?.prototype;
      for (const key of ['dispatchWorkgroups', 'dispatchWorkgroupsIndirect']) {
        if (typeof encoder?.[key] !== 'function') continue;
        // A prototype method: the wrapper must call it on the encoder it is called on.
        const method = encoder[key] as (this: unknown, ...args: unknown[]) => unknown;
        encoder[key] = function (this: unknown, ...args: unknown[]) {
          dispatches++;
          return method.apply(this, args);
        };
        undo.push(() => {
          encoder[key] = method;
        });
      }
    }
    undo.push(
      patch(backend, 'readSync', (original) => (...args) => {
        if (readDepth > 0) return original(...args);
        const record: ReadRecord = { bytes: 0, sync: true, kernelsAtIssue: compute };
        (kernelDepth > 0 && inCpuMemory(backend, args[0]) ? kernelReads : reads).push(record);
        const values = original(...args);
        record.bytes = byteSize(values);
        record.kernelsAtReturn = compute;
        return values;
      }),
    );
    undo.push(
      patch(backend, 'read', (original) => (...args) => {
        const record: ReadRecord = { bytes: 0, sync: false, kernelsAtIssue: compute };
        (kernelDepth > 0 && inCpuMemory(backend, args[0]) ? kernelReads : reads).push(record);
        readDepth++;
        let pending: Promise<unknown>;
        try {
          pending = Promise.resolve(original(...args));
        } finally {
          readDepth--;
        }
        return pending.then((values) => {
          record.bytes = byteSize(values);
          record.kernelsAtReturn = compute;
          return values;
        });
      }),
    );
    const result = await fn();
    const kernels = [...byKernel.values()].reduce((a, b) => a + b, 0);
    const work: StepWork = {
      kernels,
      compute_kernels: compute,
      view_kernels: kernels - compute,
      ...(webgpu ? { gpu_programs: programs, gpu_dispatches: dispatches } : {}),
      reads: reads.length,
      blocking_reads: blockingReads(reads, compute),
      read_bytes: reads.reduce((sum, r) => sum + r.bytes, 0),
      kernel_reads: kernelReads.length,
      kernel_read_bytes: kernelReads.reduce((sum, r) => sum + r.bytes, 0),
      by_kernel: Object.fromEntries([...byKernel].sort((a, b) => b[1] - a[1])),
    };
    return { result, work };
  } finally {
    for (const u of undo.reverse()) u();
    active = false;
  }
}
