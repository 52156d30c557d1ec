import type * as tf from '@tensorflow/tfjs';
import {
  ATTENTION,
  ATTENTION_GRAD,
  type AttentionSizes,
  attentionInput,
  attentionSizes,
} from '../attentionKernels';
import { attentionGradRows, attentionRows } from '../cpu/attentionLoops';
import { heapView, type WasmBackendLike } from './heap';
import { runInSimdMemory, wasmSimd } from './simd';

/**
 * The fused attention core on tfjs's wasm backend. With WebAssembly SIMD and dh a multiple of 4 it
 * runs the f32x4 kernels of ./assembly/attention.ts (sums in float32, as the reference's matMuls;
 * 5–7× faster than the JS loops); otherwise the cpu file's float64 loops over views of the heap.
 * Outputs are allocated first and views taken after (an allocation may grow the heap).
 */

/** Whether the SIMD kernels run for head width `dh` in this runtime. */
export function simdAttentionAvailable(dh: number): boolean {
  return dh % 4 === 0 && wasmSimd() !== null;
}

function simdForward(qkv: Float32Array, s: AttentionSizes, out: Float32Array): void {
  const simd = wasmSimd()!;
  runInSimdMemory(simd, [qkv], [out], [s.time], ([inAt, outAt, pAt]) =>
    simd.attentionForward(inAt, outAt, pAt, s.batch, s.time, s.heads, s.dh),
  );
}

function simdBackward(qkv: Float32Array, dy: Float32Array, s: AttentionSizes, dqkv: Float32Array): void {
  const simd = wasmSimd()!;
  const square = s.time * s.time;
  runInSimdMemory(simd, [qkv, dy], [dqkv], [square, square], ([inAt, dyAt, outAt, pAt, dsAt]) =>
    simd.attentionBackward(inAt, dyAt, outAt, pAt, dsAt, s.batch, s.time, s.heads, s.dh),
  );
}

const forwardKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const b = backend as unknown as WasmBackendLike;
  const qkv = attentionInput(inputs, 'qkv');
  const s = attentionSizes(qkv, null, attrs);
  const out = b.makeOutput([s.batch, s.time, s.heads * s.dh], 'float32');
  const view = (t: tf.TensorInfo) => heapView(b, t, Float32Array, 'attention');
  (simdAttentionAvailable(s.dh) ? simdForward : attentionRows)(view(qkv), s, view(out));
  return out;
};

const gradKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const b = backend as unknown as WasmBackendLike;
  const [dy, qkv] = ['dy', 'qkv'].map((name) => attentionInput(inputs, name));
  const s = attentionSizes(qkv, dy, attrs);
  const dqkv = b.makeOutput(qkv.shape, 'float32');
  const view = (t: tf.TensorInfo) => heapView(b, t, Float32Array, 'attention');
  (simdAttentionAvailable(s.dh) ? simdBackward : attentionGradRows)(view(qkv), view(dy), s, view(dqkv));
  return dqkv;
};

export const WASM_ATTENTION_KERNELS: tf.KernelConfig[] = [
  { kernelName: ATTENTION, backendName: 'wasm', kernelFunc: forwardKernel },
  { kernelName: ATTENTION_GRAD, backendName: 'wasm', kernelFunc: gradKernel },
];
