import * as tf from '@tensorflow/tfjs';
import { causalMask, matMulT } from '../layers';
import { ATTENTION, ATTENTION_GRAD } from './attentionKernels';
import { CPU_ATTENTION_KERNELS } from './cpu/attention';
import { kernelMode } from './kernelMode';
import { hasKernels, registerKernels } from './registerKernels';
import { swapLastAxes } from './swapLast';
import { simdAttentionAvailable, WASM_ATTENTION_KERNELS } from './wasm/attention';
import { WEBGPU_ATTENTION_KERNELS } from './webgpu/attention';

/**
 * The core of causal multi-head self-attention, between the qkv projection and the output
 * projection: qkv [B, T, 3d] → the heads' softmax(q·kᵀ/√dh + mask)·v merged back to [B, T, d].
 * The fused op is one kernel forward and one backward (dqkv from dy and qkv, the probabilities
 * recomputed) where the reference runs ~15 tfjs kernels forward and ~30 backward, among them
 * batched matMuls of B·H tiny matrices that cost ~1 ms each on wasm. The fused kernels sum in
 * another order and precision (cpu and wasm's JS loops in float64, wasm SIMD and webgpu in
 * float32), so they match the reference to float32 rounding, not bit for bit.
 *
 * (layers.ts imports this module and it imports layers.ts' matMulT and causalMask: both are used
 * only at call time, so the cycle is harmless.)
 */

registerKernels([...CPU_ATTENTION_KERNELS, ...WASM_ATTENTION_KERNELS, ...WEBGPU_ATTENTION_KERNELS]);

/**
 * The plain-op core, differentiated by tfjs's autodiff: what the fused op is checked against.
 * `mask` is [T, T], 0 on and below the diagonal and −1e9 above (causalMask).
 */
export function attentionCoreReference(qkv: tf.Tensor3D, heads: number, mask: tf.Tensor2D): tf.Tensor3D {
  const [batch, time, width] = qkv.shape;
  const d = width / 3;
  const dh = d / heads;
  // [B, T, 3d] → three [B, H, T, dh] (a split and 4-D transposes: a 5-D transpose is slow on wasm).
  const [q, k, v] = tf
    .split(qkv, 3, -1)
    .map((t) => t.reshape([batch, time, heads, dh]).transpose([0, 2, 1, 3]) as tf.Tensor4D);
  const scores = matMulT(q, swapLastAxes(k))
    .mul(1 / Math.sqrt(dh))
    .add(mask);
  const attended = matMulT(tf.softmax(scores, -1) as tf.Tensor4D, v); // [B, H, T, dh]
  return attended.transpose([0, 2, 1, 3]).reshape([batch, time, d]);
}

/**
 * Whether the model's attention runs fused now: kernel mode 'fused', both kernels on the active
 * backend, and a backend where they are faster (WebGPU: 3 dispatches instead of ~30; cpu; wasm
 * with WebAssembly SIMD and a head width `headWidth` that is a multiple of 4). On wasm without
 * SIMD the JS loops (~35 ms per default-model step) lose to XNNPACK's batched matMuls, so the
 * reference runs there; the SIMD kernels take ~5 ms.
 */
export function fusedAttentionAvailable(headWidth?: number): boolean {
  if (kernelMode('attention') !== 'fused') return false;
  const backend = tf.getBackend();
  if (!hasKernels(backend, ATTENTION, ATTENTION_GRAD)) return false;
  return backend !== 'wasm' || simdAttentionAvailable(headWidth ?? 4);
}

type CoreFn = (qkv: tf.Tensor3D) => tf.Tensor3D;

// customGrad takes tensors only: one differentiable function per head count (the model uses one).
const fusedByHeads = new Map<number, CoreFn>();

function fusedFor(heads: number): CoreFn {
  let fn = fusedByHeads.get(heads);
  if (!fn) {
    const attrs = { heads };
    fn = tf.customGrad((qkv, save) => {
      (save as tf.GradSaveFunc)([qkv as tf.Tensor]);
      const value = tf.engine().runKernel(ATTENTION, { qkv } as tf.NamedTensorMap, attrs) as tf.Tensor;
      const gradFunc = (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const inputs = { dy: dy as tf.Tensor, qkv: saved[0] };
        return [tf.engine().runKernel(ATTENTION_GRAD, inputs, attrs) as tf.Tensor];
      };
      return { value, gradFunc };
    }) as CoreFn;
    fusedByHeads.set(heads, fn);
  }
  return fn;
}

/** The fused op (both kernels must exist on the active backend; see fusedAttentionAvailable). */
export function fusedAttentionCore(qkv: tf.Tensor3D, heads: number): tf.Tensor3D {
  return fusedFor(heads)(qkv);
}

/**
 * The core as the model runs it: the fused op when it can run, else the reference with `mask`
 * (built here, and freed, when not given).
 */
export function attentionCore(qkv: tf.Tensor3D, heads: number, mask?: tf.Tensor2D): tf.Tensor3D {
  if (fusedAttentionAvailable(qkv.shape[2] / (3 * heads))) return fusedAttentionCore(qkv, heads);
  if (mask) return attentionCoreReference(qkv, heads, mask);
  const own = causalMask(qkv.shape[1]);
  try {
    return attentionCoreReference(qkv, heads, own);
  } finally {
    // Add's gradient needs only the mask's shape, and the tape keeps its own reference.
    own.dispose();
  }
}
