import { SIMD_WASM_BASE64 } from './simdBinary';

/**
 * The WebAssembly SIMD kernels (AssemblyScript in ./assembly, compiled into ./simdBinary.ts) and
 * the memory they work in. The module has its own linear memory: a kernel copies its inputs in
 * from tfjs's wasm heap, runs, and copies its outputs back (a few hundred KB a call, ~0.1 ms;
 * sharing tfjs's memory would let the module's data overwrite tfjs's). It is instantiated on first
 * use, synchronously (the training runs in a worker, where synchronous compiles of any size are
 * allowed; a main thread that refuses gets the JS loops); where WebAssembly SIMD is missing,
 * `wasmSimd()` is null and callers keep their JS loops.
 */

export interface SimdExports {
  memory: WebAssembly.Memory;
  heapStart(): number;
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
  biasGrad(dy: number, out: number, rows: number, cols: number): void;
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

let instance: SimdExports | null | undefined;
let enabled = true;

function instantiate(): SimdExports | null {
  try {
    const bytes = Uint8Array.from(atob(SIMD_WASM_BASE64), (c) => c.charCodeAt(0));
    if (!WebAssembly.validate(bytes)) return null;
    return new WebAssembly.Instance(new WebAssembly.Module(bytes), {}).exports as unknown as SimdExports;
  } catch {
    return null;
  }
}

/** The SIMD kernels, or null where this runtime has no WebAssembly SIMD (or they are switched off). */
export function wasmSimd(): SimdExports | null {
  if (!enabled) return null;
  if (instance === undefined) instance = instantiate();
  return instance;
}

/**
 * Switches the SIMD kernels off (the wasm kernels then run their JS loops) or back on: for tests
 * that compare the two paths on one backend.
 */
export function setWasmSimdEnabled(on: boolean): void {
  enabled = on;
}

/**
 * Lays out buffers of the given float counts one after another (16-byte aligned) from the module's
 * heap start, growing its memory to hold them; returns their byte offsets. Views of the memory
 * must be taken after this call (growing detaches earlier ones).
 */
function reserveFloats(simd: SimdExports, counts: readonly number[]): number[] {
  const offsets: number[] = [];
  let end = simd.heapStart();
  for (const n of counts) {
    offsets.push(end);
    end += Math.ceil((n * 4) / 16) * 16;
  }
  const have = simd.memory.buffer.byteLength;
  if (end > have) simd.memory.grow(Math.ceil((end - have) / 65536));
  return offsets;
}

function simdFloats(simd: SimdExports, offset: number, length: number): Float32Array {
  return new Float32Array(simd.memory.buffer, offset, length);
}

/**
 * Runs a SIMD kernel on typed arrays: copies `inputs` into the module's memory, reserves room for
 * `outputs` and for `scratch` (float counts), calls `kernel` with the byte offsets of all of them
 * in that order, and copies the outputs back. Each buffer is padded to 16 bytes, so a kernel may
 * run whole 4-float vectors past an array's end (into padding that is never copied out).
 */
export function runInSimdMemory(
  simd: SimdExports,
  inputs: readonly Float32Array[],
  outputs: readonly Float32Array[],
  scratch: readonly number[],
  kernel: (offsets: number[]) => void,
): void {
  const at = reserveFloats(simd, [
    ...inputs.map((a) => a.length),
    ...outputs.map((a) => a.length),
    ...scratch,
  ]);
  inputs.forEach((a, i) => {
    simdFloats(simd, at[i], a.length).set(a);
  });
  kernel(at);
  outputs.forEach((a, i) => {
    a.set(simdFloats(simd, at[inputs.length + i], a.length));
  });
}
