import * as tf from '@tensorflow/tfjs';
import { denseAdamLoop } from '../cpu/denseAdam';
import type { DenseAdamArgs } from '../denseAdam';
import { heapView, isWasmBackend, type WasmBackendLike } from './heap';
import { type SimdKernels, wasmSimd } from './simd';

/**
 * Dense Adam on the wasm backend, in place where tfjs keeps each tensor. Where the SIMD module
 * runs: one call for every variable (assembly/denseAdam.ts, the cpu loop's operations in float32x4
 * lanes, the same bits), given a table of the tensors' heap addresses in scratch; else the cpu loop
 * over Float32Array views of the heap. wasm ops run synchronously, so the control tensor computed
 * just before is already in the heap: nothing waits.
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

/** Int32 entries per variable in the SIMD kernel's table: variable, gradient, m, v, length. */
const ENTRY = 5;

function denseAdamSimd(simd: SimdKernels, args: DenseAdamArgs): void {
  const n = args.variables.length;
  const entries = new Int32Array(ENTRY * n);
  for (let k = 0; k < n; k++) {
    const size = args.variables[k].size;
    const tensors = [args.variables[k], args.grads[k], args.m[k], args.v[k]];
    if (tensors.some((t) => t.size !== size || t.dtype !== 'float32'))
      throw new Error('wasm dense Adam: a gradient or moment does not match its float32 variable');
    tensors.forEach((t, j) => {
      entries[ENTRY * k + j] = simd.at(t);
    });
    entries[ENTRY * k + 4] = size;
  }
  if (args.control.dtype !== 'float32') throw new Error('wasm dense Adam: control is not float32');
  const f = Math.fround;
  simd.withScratch([entries.byteLength], ([table]) => {
    new Int32Array(simd.memory.buffer, table, entries.length).set(entries);
    simd.run.denseAdam(
      table,
      n,
      simd.at(args.control),
      f(args.stepSize),
      f(args.beta1),
      f(args.beta2),
      f(1 - args.beta1),
      f(1 - args.beta2),
      f(args.eps),
    );
  });
}

export function denseAdamWasm(args: DenseAdamArgs): void {
  const backend = tf.backend();
  if (!isWasmAdamBackend(backend)) throw new Error('wasm dense Adam: the backend is not wasm');
  const view = (t: tf.Tensor) => heapView(backend, t, Float32Array, 'dense Adam');
  const simd = wasmSimd(backend);
  if (simd) denseAdamSimd(simd, args);
  else {
    // Views are made here, all at once: the heap's buffer changes when it grows.
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
  // The wasm backend's MatMul caches XNNPACK operators holding a packed copy of a constant
  // operand, keyed by its tensor id and dropped when that id is disposed: re-register every
  // updated variable so the next forward packs the new weights (the memory stays where it is).
  if (view(args.control)[1] > 0) {
    for (const x of args.variables) {
      const entry = backend.dataIdMap.get(x.dataId)!;
      backend.wasm.tfjs.disposeData(entry.id);
      backend.wasm.tfjs.registerTensor(entry.id, x.size, entry.memoryOffset);
    }
  }
}
