import type * as tf from '@tensorflow/tfjs';
import type { WasmBackendLike } from './heap';
import { SIMD_WASM_BASE64 } from './simdBinary';

/**
 * The WebAssembly SIMD kernels (AssemblyScript in ./assembly, compiled into ./simdBinary.ts). The
 * module imports tfjs-wasm's own memory, so a kernel reads its inputs and writes its outputs where
 * tfjs keeps the tensors (no copy in or out); it has no data segment and allocates nothing, and
 * the scratch a kernel needs is taken from tfjs's allocator for the call. It is compiled once and
 * instantiated per tfjs memory on first use, synchronously (the training runs in a worker, where
 * synchronous compiles of any size are allowed). `wasmSimd` is null — and callers keep their JS
 * loops — where WebAssembly SIMD is missing, where tfjs's memory is not reachable (another tfjs
 * build), or where it is shared (tfjs's threaded build), which this module's import does not match.
 */

export interface SimdExports {
  attentionForward(
    qkv: number,
    out: number,
    p: number,
    batch: number,
    time: number,
    heads: number,
    dh: number,
  ): void;
  attentionBackward(
    qkv: number,
    dy: number,
    dqkv: number,
    p: number,
    ds: number,
    batch: number,
    time: number,
    heads: number,
    dh: number,
  ): void;
  batchNormForward(
    x: number,
    gamma: number,
    beta: number,
    y: number,
    mean: number,
    variance: number,
    stats: number,
    rows: number,
    cols: number,
    eps: number,
  ): void;
  batchNormBackward(
    x: number,
    gamma: number,
    dy: number,
    dx: number,
    dgamma: number,
    dbeta: number,
    stats: number,
    rows: number,
    cols: number,
    eps: number,
  ): void;
  biasGrad(dy: number, out: number, rows: number, cols: number): void;
  crossEntropyRows(logits: number, rows: number, cols: number, stats: number, sums: number): void;
  crossEntropyGrad(
    logits: number,
    targets: number,
    stats: number,
    dx: number,
    rows: number,
    cols: number,
    scale: number,
  ): void;
  denseAdam(
    table: number,
    count: number,
    control: number,
    stepSize: number,
    beta1: number,
    beta2: number,
    oneMinusBeta1: number,
    oneMinusBeta2: number,
    eps: number,
  ): void;
  sparseAdam(
    table: number,
    m: number,
    v: number,
    grads: number,
    rows: number,
    offsets: number,
    occurrences: number,
    count: number,
    vDim: number,
    scratch: number,
    stepSize: number,
    beta1: number,
    beta2: number,
    oneMinusBeta1: number,
    oneMinusBeta2: number,
    eps: number,
  ): void;
  productScoreTopK(
    q: number,
    keys: number,
    heads: number,
    rows: number,
    nKeys: number,
    half: number,
    knn: number,
    slots: number,
    scores: number,
    scratch: number,
  ): void;
  productScoreTopKScratch(heads: number, rows: number, nKeys: number, half: number, knn: number): number;
  /** 1 when done; 0 when a slot is outside [0, nKeys²) (then the JS loop must run). */
  productSelectGrad(
    dy: number,
    slots: number,
    q: number,
    keys: number,
    dq: number,
    dKeys: number,
    heads: number,
    rows: number,
    nKeys: number,
    knn: number,
    half: number,
  ): number;
  productTopK(
    blocks: number,
    heads: number,
    rows: number,
    nKeys: number,
    knn: number,
    slots: number,
    scores: number,
    scratch: number,
  ): void;
  productTopKScratch(knn: number): number;
  sumSquares(x: number, n: number): number;
  swapLast(x: number, out: number, batch: number, rows: number, cols: number): void;
  gelu(x: number, y: number, n: number): void;
  geluGrad(dy: number, x: number, dx: number, n: number): void;
  layerNormForward(
    x: number,
    gamma: number,
    beta: number,
    y: number,
    rows: number,
    d: number,
    eps: number,
  ): void;
  valueRead(
    values: number,
    slots: number,
    weights: number,
    out: number,
    rows: number,
    perRow: number,
    vDim: number,
    tableRows: number,
  ): void;
  valueReadGrad(
    dy: number,
    values: number,
    slots: number,
    weights: number,
    dWeights: number,
    dRows: number,
    rows: number,
    perRow: number,
    vDim: number,
    tableRows: number,
  ): void;
  layerNormBackward(
    x: number,
    gamma: number,
    dy: number,
    dx: number,
    dgamma: number,
    dbeta: number,
    acc: number,
    rows: number,
    d: number,
    eps: number,
  ): void;
}

/** The parts of tfjs-wasm's Emscripten module used here: its memory and its allocator. */
interface EmscriptenModule {
  asm?: { memory?: unknown };
  _malloc?: (bytes: number) => number;
  _free?: (pointer: number) => void;
}

/** The kernels bound to one tfjs-wasm backend's memory. */
export interface SimdKernels {
  readonly run: SimdExports;
  /** tfjs's heap (views of it must be taken after the last allocation). */
  readonly memory: WebAssembly.Memory;
  /** The byte offset of a tensor's data in tfjs's heap. */
  at(t: tf.TensorInfo): number;
  /** Runs `fn` with scratch buffers of the given byte sizes from tfjs's allocator, freed after. */
  withScratch<T>(bytes: readonly number[], fn: (pointers: number[]) => T): T;
}

let compiled: WebAssembly.Module | null | undefined;
/** Per tfjs memory (one per wasm backend instance): bound once, reused by every kernel call. */
const bound = new WeakMap<WebAssembly.Memory, SimdKernels | null>();
let enabled = true;

function compile(): WebAssembly.Module | null {
  try {
    const bytes = Uint8Array.from(atob(SIMD_WASM_BASE64), (c) => c.charCodeAt(0));
    return WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
  } catch {
    return null;
  }
}

function instantiate(memory: WebAssembly.Memory): SimdExports | null {
  if (compiled === undefined) compiled = compile();
  if (!compiled) return null;
  try {
    return new WebAssembly.Instance(compiled, { env: { memory } }).exports as unknown as SimdExports;
  } catch {
    // A shared memory (tfjs's threaded build) does not match the module's import.
    return null;
  }
}

/** The module's kernels bound to one backend: its memory, tensor offsets and allocator. */
function bind(
  backend: WasmBackendLike,
  module: EmscriptenModule,
  memory: WebAssembly.Memory,
): SimdKernels | null {
  const run = instantiate(memory);
  if (!run) return null;
  return {
    run,
    memory,
    at(t) {
      const data = backend.dataIdMap.get(t.dataId);
      if (!data) throw new Error('wasm SIMD kernel: a tensor is not on the wasm backend');
      return data.memoryOffset;
    },
    withScratch(bytes, fn) {
      const pointers = bytes.map((n) => module._malloc!(Math.max(16, n)));
      try {
        if (pointers.some((p) => p === 0))
          throw new Error('wasm SIMD kernel: tfjs could not allocate scratch memory');
        return fn(pointers);
      } finally {
        for (const p of pointers) if (p !== 0) module._free!(p);
      }
    },
  };
}

/** The SIMD kernels on `backend`'s memory, or null where they cannot run (or are switched off). */
export function wasmSimd(backend: WasmBackendLike): SimdKernels | null {
  if (!enabled) return null;
  const module = (backend as { wasm?: EmscriptenModule }).wasm;
  const memory = module?.asm?.memory;
  if (!(memory instanceof WebAssembly.Memory) || !module?._malloc || !module._free) return null;
  let kernels = bound.get(memory);
  if (kernels === undefined) {
    kernels = bind(backend, module, memory);
    bound.set(memory, kernels);
  }
  return kernels;
}

/**
 * Switches the SIMD kernels off (the wasm kernels then run their JS loops) or back on: for tests
 * that compare the two paths on one backend.
 */
export function setWasmSimdEnabled(on: boolean): void {
  enabled = on;
}
