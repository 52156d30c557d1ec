import type * as tf from '@tensorflow/tfjs';
import {
  ATTENTION,
  ATTENTION_GRAD,
  type AttentionSizes,
  attentionInput,
  attentionSizes,
} from '../attentionKernels';
import { type CpuBackendLike, valuesOf } from './backendArrays';

/**
 * The fused attention core on tfjs's cpu backend, and the loops the wasm kernels run too (over
 * views of the wasm heap). One (batch, head, query t) row at a time: scores q_t·k_j/√dh for
 * j ≤ t only (the reference's −1e9 mask makes exp of the others exactly 0 in float32), softmax
 * from the row max. Dot products, softmax sums and gradient sums accumulate in float64 (JS
 * numbers), each output rounded to float32 once: as accurate as the reference's float32 matMuls,
 * not bit-identical to them.
 */

/** Fills p[0..t] with the softmax of row (b, h, t)'s causal scores. */
function probabilities(
  qkv: Float32Array,
  s: AttentionSizes,
  b: number,
  h: number,
  t: number,
  p: Float64Array,
) {
  const { time, heads, dh } = s;
  const d = heads * dh;
  const w = 3 * d;
  const scale = 1 / Math.sqrt(dh);
  const q = (b * time + t) * w + h * dh;
  let max = Number.NEGATIVE_INFINITY;
  for (let j = 0; j <= t; j++) {
    const k = (b * time + j) * w + d + h * dh;
    let dot = 0;
    for (let c = 0; c < dh; c++) dot += qkv[q + c] * qkv[k + c];
    p[j] = dot * scale;
    if (p[j] > max) max = p[j];
  }
  let sum = 0;
  for (let j = 0; j <= t; j++) {
    p[j] = Math.exp(p[j] - max);
    sum += p[j];
  }
  for (let j = 0; j <= t; j++) p[j] /= sum;
}

/** out[b, t, h·dh + c] = Σ_{j ≤ t} p_tj · v_j[c]. */
export function attentionRows(qkv: Float32Array, s: AttentionSizes, out: Float32Array): void {
  const { batch, time, heads, dh } = s;
  const d = heads * dh;
  const w = 3 * d;
  const p = new Float64Array(time);
  const acc = new Float64Array(dh);
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < heads; h++) {
      for (let t = 0; t < time; t++) {
        probabilities(qkv, s, b, h, t, p);
        acc.fill(0);
        for (let j = 0; j <= t; j++) {
          const v = (b * time + j) * w + 2 * d + h * dh;
          for (let c = 0; c < dh; c++) acc[c] += p[j] * qkv[v + c];
        }
        const o = (b * time + t) * d + h * dh;
        for (let c = 0; c < dh; c++) out[o + c] = acc[c];
      }
    }
  }
}

/**
 * Per row (b, h, t), with dP_j = dy_t·v_j and D = Σ_j p_j·dP_j: dS_j = p_j·(dP_j − D)/√dh,
 * dq_t += Σ_j dS_j·k_j, dk_j += dS_j·q_t, dv_j += p_j·dy_t (the softmax and matMul gradients).
 */
export function attentionGradRows(
  qkv: Float32Array,
  dy: Float32Array,
  s: AttentionSizes,
  dqkv: Float32Array,
): void {
  const { batch, time, heads, dh } = s;
  const d = heads * dh;
  const w = 3 * d;
  const scale = 1 / Math.sqrt(dh);
  const p = new Float64Array(time);
  const dp = new Float64Array(time);
  const acc = new Float64Array(batch * time * w);
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < heads; h++) {
      for (let t = 0; t < time; t++) {
        probabilities(qkv, s, b, h, t, p);
        const g = (b * time + t) * d + h * dh;
        let total = 0;
        for (let j = 0; j <= t; j++) {
          const v = (b * time + j) * w + 2 * d + h * dh;
          let dot = 0;
          for (let c = 0; c < dh; c++) dot += dy[g + c] * qkv[v + c];
          dp[j] = dot;
          total += p[j] * dot;
        }
        const q = (b * time + t) * w + h * dh;
        for (let j = 0; j <= t; j++) {
          const k = (b * time + j) * w + d + h * dh;
          const v = k + d;
          const ds = p[j] * (dp[j] - total) * scale;
          for (let c = 0; c < dh; c++) {
            acc[q + c] += ds * qkv[k + c];
            acc[k + c] += ds * qkv[q + c];
            acc[v + c] += p[j] * dy[g + c];
          }
        }
      }
    }
  }
  dqkv.set(acc);
}

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
