import * as tf from '@tensorflow/tfjs';
import { CPU_GELU_KERNELS } from './cpu/gelu';
import { GELU, GELU_GRAD } from './geluKernels';
import { kernelMode } from './kernelMode';
import { hasKernels, registerKernels } from './registerKernels';
import { WASM_GELU_KERNELS } from './wasm/gelu';
import { WEBGPU_GELU_KERNELS } from './webgpu/gelu';

/**
 * GELU, tanh approximation: gelu(x) = 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³))) = x·σ(2z).
 * Fused, it is one kernel forward and one backward (dx = dy·gelu'(x), the exact derivative of the
 * same formula) where the reference is ~7 tfjs kernels forward and ~18 in its autodiff backward.
 * The fused kernels compute each element in one expression (float64 on cpu and wasm, float32 on
 * WebGPU), so they agree with the reference's chain of float32 ops to rounding, not bit for bit;
 * past |x| > 10 they return the limits (x, 0; gradients 1, 0), finite for any finite x.
 */

registerKernels([...CPU_GELU_KERNELS, ...WASM_GELU_KERNELS, ...WEBGPU_GELU_KERNELS]);

/** Whether `gelu` runs the fused kernels now: kernel mode 'fused' and kernels for the active backend. */
export function fusedGeluAvailable(): boolean {
  if (kernelMode('gelu') !== 'fused') return false;
  const backend = tf.getBackend();
  return hasKernels(backend, GELU, GELU_GRAD);
}

const fusedGelu = tf.customGrad((x, save) => {
  (save as tf.GradSaveFunc)([x as tf.Tensor]);
  return {
    value: tf.engine().runKernel(GELU, { x: x as tf.Tensor }) as tf.Tensor,
    gradFunc: (dy, saved) =>
      tf.engine().runKernel(GELU_GRAD, { dy: dy as tf.Tensor, x: saved[0] }) as tf.Tensor,
  };
}) as (x: tf.Tensor) => tf.Tensor;

/**
 * The plain-op reference (layers.ts' gelu before the fused kernels): x·σ(2z), since sigmoid is ~4×
 * faster than tanh on wasm, and x·x·x than pow.
 */
export function geluReference(x: tf.Tensor): tf.Tensor {
  const z = x.add(x.mul(x).mul(x).mul(0.044715)).mul(2 * Math.sqrt(2 / Math.PI));
  return x.mul(tf.sigmoid(z));
}

/** GELU of a float32 tensor: the fused kernels when they can run, else the reference. */
export function gelu(x: tf.Tensor): tf.Tensor {
  return fusedGeluAvailable() && x.dtype === 'float32' ? fusedGelu(x) : geluReference(x);
}
