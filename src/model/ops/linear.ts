import * as tf from '@tensorflow/tfjs';
import { matMulT } from '../layers';
import { BIAS_GRAD } from './biasGradKernels';
import { CPU_BIAS_GRAD_KERNELS } from './cpu/biasGrad';
import { kernelMode } from './kernelMode';
import { hasKernels, registerKernels } from './registerKernels';
import { WASM_BIAS_GRAD_KERNELS } from './wasm/biasGrad';

/**
 * A linear layer on rows, x [rows, in]·W [in, out] + b [out], whose backward computes the bias
 * gradient (dy summed over rows) in one fused kernel. The reference's autodiff of the broadcast add
 * runs Sum over axis 0 and a Reshape; on wasm that Sum first transposes dy (~0.2 ms for the default
 * model's [512, 64], ~25 of them per step). The fused kernel sums each column in the order and
 * precision of the backend's own Sum (float32 on wasm, float64 on cpu), so the two agree bit for
 * bit. Only the bias add is replaced: x·W stays matMulT, with its own gradient. WebGPU keeps the
 * reference (a reduction there is one dispatch either way).
 *
 * (layers.ts imports this module and it imports layers.ts' matMulT, used only at call time.)
 */

registerKernels([...CPU_BIAS_GRAD_KERNELS, ...WASM_BIAS_GRAD_KERNELS]);

/** Whether linearRows runs the fused bias gradient now (kernel mode 'fused' and a kernel here). */
export function fusedBiasGradAvailable(): boolean {
  return kernelMode('biasGrad') === 'fused' && hasKernels(tf.getBackend(), BIAS_GRAD);
}

/** The plain-op reference: matMulT and a broadcast add, differentiated by tfjs. */
export function linearRowsReference(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor2D {
  return matMulT(x, w).add(b);
}

/** y + b whose gradient for b is the fused kernel; y's is dy, as Add's own gradient gives it. */
const addBias = tf.customGrad((y, b) => ({
  value: (y as tf.Tensor2D).add(b as tf.Tensor1D),
  gradFunc: (dy) => [dy as tf.Tensor, tf.engine().runKernel(BIAS_GRAD, { dy: dy as tf.Tensor }) as tf.Tensor],
})) as (y: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor2D;

/** x·W + b: the fused bias gradient when it can run, else the reference (x·W freed either way). */
export function linearRows(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor2D {
  return tf.tidy(() => (fusedBiasGradAvailable() ? addBias(matMulT(x, w), b) : linearRowsReference(x, w, b)));
}
