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
import { reserveFloats, simdFloats, wasmSimd } from './simd';

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
  const [inAt, outAt, pAt] = reserveFloats(simd, [qkv.length, out.length, s.time]);
  simdFloats(simd, inAt, qkv.length).set(qkv);
  simd.attentionForward(inAt, outAt, pAt, s.batch, s.time, s.heads, s.dh);
  out.set(simdFloats(simd, outAt, out.length));
}

function simdBackward(qkv: Float32Array, dy: Float32Array, s: AttentionSizes, dqkv: Float32Array): void {
  const simd = wasmSimd()!;
  const square = s.time * s.time;
  const [inAt, dyAt, outAt, pAt, dsAt] = reserveFloats(simd, [
    qkv.length,
    dy.length,
    dqkv.length,
    square,
    square,
  ]);
  simdFloats(simd, inAt, qkv.length).set(qkv);
  simdFloats(simd, dyAt, dy.length).set(dy);
  simd.attentionBackward(inAt, dyAt, outAt, pAt, dsAt, s.batch, s.time, s.heads, s.dh);
  dqkv.set(simdFloats(simd, outAt, dqkv.length));
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
