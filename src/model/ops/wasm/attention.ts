import * as tf from '@tensorflow/tfjs';
import { ATTENTION, ATTENTION_GRAD, attentionInput, attentionSizes } from '../attentionKernels';
import { attentionGradRows, attentionRows } from '../cpu/attentionLoops';
import { heapView, isWasmBackend, type WasmBackendLike } from './heap';
import { type SimdKernels, wasmSimd } from './simd';

/**
 * The fused attention core on tfjs's wasm backend. With WebAssembly SIMD and dh a multiple of 4 it
 * runs the f32x4 kernels of ./assembly/attention.ts on the tensors in place (sums in float32, as
 * the reference's matMuls; 5–7× faster than the JS loops); otherwise the cpu file's float64 loops
 * over views of the heap. Outputs are allocated first and views taken after (an allocation may
 * grow the heap).
 */

/** The SIMD kernels when they run for head width `dh` on `backend`, else null. */
function simdFor(backend: WasmBackendLike, dh: number): SimdKernels | null {
  return dh % 4 === 0 ? wasmSimd(backend) : null;
}

/** Whether the active backend is wasm and the SIMD kernels run there for head width `dh`. */
export function simdAttentionAvailable(dh: number): boolean {
  const backend = tf.backend();
  return isWasmBackend(backend) && simdFor(backend, dh) !== null;
}

const view = (b: WasmBackendLike, t: tf.TensorInfo) => heapView(b, t, Float32Array, 'attention');

const forwardKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const b = backend as unknown as WasmBackendLike;
  const qkv = attentionInput(inputs, 'qkv');
  const s = attentionSizes(qkv, null, attrs);
  const out = b.makeOutput([s.batch, s.time, s.heads * s.dh], 'float32');
  const simd = simdFor(b, s.dh);
  if (simd) {
    simd.withScratch([4 * s.time], ([p]) =>
      simd.run.attentionForward(simd.at(qkv), simd.at(out), p, s.batch, s.time, s.heads, s.dh),
    );
  } else attentionRows(view(b, qkv), s, view(b, out));
  return out;
};

const gradKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const b = backend as unknown as WasmBackendLike;
  const [dy, qkv] = ['dy', 'qkv'].map((name) => attentionInput(inputs, name));
  const s = attentionSizes(qkv, dy, attrs);
  const dqkv = b.makeOutput(qkv.shape, 'float32');
  const simd = simdFor(b, s.dh);
  if (simd) {
    const square = 4 * s.time * s.time;
    simd.withScratch([square, square], ([p, ds]) =>
      simd.run.attentionBackward(
        simd.at(qkv),
        simd.at(dy),
        simd.at(dqkv),
        p,
        ds,
        s.batch,
        s.time,
        s.heads,
        s.dh,
      ),
    );
  } else attentionGradRows(view(b, qkv), view(b, dy), s, view(b, dqkv));
  return dqkv;
};

export const WASM_ATTENTION_KERNELS: tf.KernelConfig[] = [
  { kernelName: ATTENTION, backendName: 'wasm', kernelFunc: forwardKernel },
  { kernelName: ATTENTION_GRAD, backendName: 'wasm', kernelFunc: gradKernel },
];
