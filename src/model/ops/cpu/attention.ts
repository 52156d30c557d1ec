import type * as tf from '@tensorflow/tfjs';
import { ATTENTION, ATTENTION_GRAD, attentionInput, attentionSizes } from '../attentionKernels';
import { attentionGradRows, attentionRows } from './attentionLoops';
import { type CpuBackendLike, valuesOf } from './backendArrays';

/** The fused attention core on tfjs's cpu backend (the loops are in attentionLoops.ts). */

const floats = (b: CpuBackendLike, t: tf.TensorInfo) => valuesOf(b, t, Float32Array, 'attention');

const forwardKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const b = backend as unknown as CpuBackendLike;
  const qkv = attentionInput(inputs, 'qkv');
  const s = attentionSizes(qkv, null, attrs);
  const out = new Float32Array(s.batch * s.time * s.heads * s.dh);
  attentionRows(floats(b, qkv), s, out);
  return b.makeTensorInfo([s.batch, s.time, s.heads * s.dh], 'float32', out);
};

const gradKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const b = backend as unknown as CpuBackendLike;
  const [dy, qkv] = ['dy', 'qkv'].map((name) => attentionInput(inputs, name));
  const s = attentionSizes(qkv, dy, attrs);
  const dqkv = new Float32Array(s.batch * s.time * 3 * s.heads * s.dh);
  attentionGradRows(floats(b, qkv), floats(b, dy), s, dqkv);
  return b.makeTensorInfo(qkv.shape, 'float32', dqkv);
};

export const CPU_ATTENTION_KERNELS: tf.KernelConfig[] = [
  { kernelName: ATTENTION, backendName: 'cpu', kernelFunc: forwardKernel },
  { kernelName: ATTENTION_GRAD, backendName: 'cpu', kernelFunc: gradKernel },
];
