import * as tf from '@tensorflow/tfjs';
import { CPU_SWAP_LAST_KERNELS } from './cpu/swapLast';
import { kernelMode } from './kernelMode';
import { hasKernels, registerKernels } from './registerKernels';
import { SWAP_LAST, SWAP_LAST_DTYPES, swappedShape } from './swapLastKernels';
import { simdSwapLastAvailable, WASM_SWAP_LAST_KERNELS } from './wasm/swapLast';
import { WEBGPU_SWAP_LAST_KERNELS } from './webgpu/swapLast';

/**
 * The swap of a tensor's last two axes ([..., r, c] → [..., c, r]), which the model's matMul
 * gradients run ~30 times a step (dx = dy·Wᵀ, dW = xᵀ·dy: on wasm explicit transposes and plain
 * matMuls beat matMuls with transpose flags ~6×). tfjs-wasm's Transpose computes each element's
 * index in general form (~0.1 ms for the default model's [512, 64]); the fused kernel moves 4×4
 * blocks with SIMD shuffles. A transpose moves values without arithmetic, so fused and reference
 * agree bit for bit. Its gradient is the same swap of dy, through this op again (a gradient
 * registered for the kernel: nothing is saved for the backward). cpu runs JS loops (~10× faster than
 * tfjs-cpu's Transpose, which allocates per element); WebGPU one thread per element, without the
 * workgroup tiles and barriers of tfjs's Transpose (slow on a software adapter).
 */

registerKernels([...CPU_SWAP_LAST_KERNELS, ...WASM_SWAP_LAST_KERNELS, ...WEBGPU_SWAP_LAST_KERNELS]);

// A module evaluated twice (tests, hot reload) must not register the gradient twice: tfjs warns.
if (!tf.getGradient(SWAP_LAST)) {
  tf.registerGradient({
    kernelName: SWAP_LAST,
    gradFunc: (dy) => ({ x: () => swapLastAxes(dy as tf.Tensor) }),
  });
}

/**
 * Whether swapLastAxes runs the fused kernel now (for a float32 or int32 tensor): kernel mode
 * 'fused', the kernel on the active backend, and on wasm the SIMD kernel (its JS loops do not beat
 * tfjs-wasm's own Transpose: see wasm/swapLast.ts).
 */
export function fusedSwapLastAvailable(): boolean {
  if (kernelMode('swapLast') !== 'fused') return false;
  const backend = tf.getBackend();
  return hasKernels(backend, SWAP_LAST) && (backend !== 'wasm' || simdSwapLastAvailable());
}

/** The plain-op reference: tf.transpose with the last two axes swapped (differentiated by tfjs). */
export function swapLastReference<T extends tf.Tensor>(t: T): T {
  return tf.transpose(t, swappedShape(Array.from({ length: t.rank }, (_, i) => i)));
}

/** `t` [..., r, c] → [..., c, r] (rank ≥ 2): the fused kernel when it can run, else the reference. */
export function swapLastAxes<T extends tf.Tensor>(t: T): T {
  if (t.rank < 2) throw new Error(`swapLastAxes needs a tensor of rank ≥ 2, got rank ${t.rank}`);
  if (fusedSwapLastAvailable() && SWAP_LAST_DTYPES.includes(t.dtype))
    return tf.engine().runKernel(SWAP_LAST, { x: t }) as T;
  return swapLastReference(t);
}
