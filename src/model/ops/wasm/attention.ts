import type * as tf from '@tensorflow/tfjs';
import { ATTENTION, ATTENTION_GRAD, attentionInput, attentionSizes } from '../attentionKernels';
import { attentionGradRows, attentionRows } from '../cpu/attention';
import { heapView, type WasmBackendLike } from './heap';

/**
 * The fused attention core on tfjs's wasm backend: the cpu file's loops over views of the wasm
 * heap. The output is allocated first and views are taken after it (an allocation may grow the
 * heap and detach earlier views).
 */

const forwardKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const b = backend as unknown as WasmBackendLike;
  const qkv = attentionInput(inputs, 'qkv');
  const s = attentionSizes(qkv, null, attrs);
  const out = b.makeOutput([s.batch, s.time, s.heads * s.dh], 'float32');
  const view = (t: tf.TensorInfo) => heapView(b, t, Float32Array, 'attention');
  attentionRows(view(qkv), s, view(out));
  return out;
};

const gradKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const b = backend as unknown as WasmBackendLike;
  const [dy, qkv] = ['dy', 'qkv'].map((name) => attentionInput(inputs, name));
  const s = attentionSizes(qkv, dy, attrs);
  const dqkv = b.makeOutput(qkv.shape, 'float32');
  const view = (t: tf.TensorInfo) => heapView(b, t, Float32Array, 'attention');
  attentionGradRows(view(qkv), view(dy), s, view(dqkv));
  return dqkv;
};

export const WASM_ATTENTION_KERNELS: tf.KernelConfig[] = [
  { kernelName: ATTENTION, backendName: 'wasm', kernelFunc: forwardKernel },
  { kernelName: ATTENTION_GRAD, backendName: 'wasm', kernelFunc: gradKernel },
];
