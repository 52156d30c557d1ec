import * as tf from '@tensorflow/tfjs';
import { matMulT, matMulTGrads } from '../layers';
import { BIAS_GRAD } from './biasGradKernels';
import { CPU_BIAS_GRAD_KERNELS } from './cpu/biasGrad';
import { kernelMode } from './kernelMode';
import { hasKernels, registerKernels } from './registerKernels';
import { WASM_BIAS_GRAD_KERNELS } from './wasm/biasGrad';
import { WEBGPU_BIAS_GRAD_KERNELS } from './webgpu/biasGrad';

/**
 * A linear layer on rows, x [rows, in]·W [in, out] + b [out], whose backward computes the bias
 * gradient (dy summed over rows) in one fused kernel. The reference's autodiff of the broadcast add
 * runs Sum over axis 0 and a Reshape; on wasm that Sum first transposes dy (~0.2 ms for the default
 * model's [512, 64], ~25 of them per step). The fused kernel sums each column in the order and
 * precision of the backend's own Sum (float32 on wasm, float64 on cpu), so the two agree bit for
 * bit. Only the bias add is replaced: x·W stays matMulT, with its own gradient. On WebGPU one
 * pass per column, without the transpose and the workgroup reduction of tfjs's Sum (agreeing with
 * it to float32 tolerance), and the forward is one fused matMul with the bias (below).
 *
 * (layers.ts imports this module and it imports layers.ts' matMulT, used only at call time.)
 */

registerKernels([...CPU_BIAS_GRAD_KERNELS, ...WASM_BIAS_GRAD_KERNELS, ...WEBGPU_BIAS_GRAD_KERNELS]);

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

/**
 * WebGPU: x·W + b in one dispatch, tfjs's fused matMul (the bias added to each finished dot
 * product, as the reference's Add does), and the gradient of matMulT and addBias together. A
 * broadcast Add of a narrow bias is a workgroup-memory program in tfjs-webgpu, slow on a software
 * adapter (~11 ms for [512, 64] + [64] on SwiftShader), and one dispatch more on any GPU.
 */
const linearOneDispatch = tf.customGrad<tf.Tensor>((x, w, b, save) => {
  (save as tf.GradSaveFunc)([x as tf.Tensor, w as tf.Tensor]);
  return {
    value: tf.fused.matMul({ a: x as tf.Tensor2D, b: w as tf.Tensor2D, bias: b as tf.Tensor1D }) as tf.Tensor,
    gradFunc: (dy, [sx, sw]) => [
      ...matMulTGrads(dy as tf.Tensor, sx, sw),
      tf.engine().runKernel(BIAS_GRAD, { dy: dy as tf.Tensor }) as tf.Tensor,
    ],
  };
}) as (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor2D;

/** x·W + b: the fused bias gradient when it can run, else the reference (x·W freed either way). */
export function linearRows(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor2D {
  if (!fusedBiasGradAvailable()) return tf.tidy(() => linearRowsReference(x, w, b));
  if (tf.getBackend() === 'webgpu') return linearOneDispatch(x, w, b);
  return tf.tidy(() => addBias(matMulT(x, w), b));
}
