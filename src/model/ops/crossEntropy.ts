import * as tf from '@tensorflow/tfjs';
import { CPU_CROSS_ENTROPY_KERNELS } from './cpu/crossEntropy';
import { CROSS_ENTROPY, CROSS_ENTROPY_GRAD } from './crossEntropyKernels';
import { kernelMode } from './kernelMode';
import { hasKernels, registerKernels } from './registerKernels';
import { WASM_CROSS_ENTROPY_KERNELS } from './wasm/crossEntropy';
import { WEBGPU_CROSS_ENTROPY_KERNELS } from './webgpu/crossEntropy';

/**
 * The language model's loss: the mean over rows of −log softmax(logits)[target], from logits
 * [N, V] and int32 targets [N]. Fused, it is one kernel forward (the loss and each row's max and
 * log Σ exp(x − max), saved) and one backward (dLogits = dy/N·(softmax − onehot)), where the
 * reference (logSoftmax, a one-hot product, sum, mean) runs ~12 kernels forward and ~10 in its
 * autodiff backward. The row max is subtracted before exp, so logits of any finite size are
 * stable. Rules both paths share (see crossEntropyKernels.ts): a target outside 0..V−1 adds 0 and
 * gets a zero gradient, and a NaN or ±Inf logit makes the loss non-finite. The fused kernels sum
 * in float64 on cpu and wasm (float32 per row on WebGPU) and round once, so they agree with the
 * reference's float32 chain to rounding, not bit for bit.
 */

registerKernels([
  ...CPU_CROSS_ENTROPY_KERNELS,
  ...WASM_CROSS_ENTROPY_KERNELS,
  ...WEBGPU_CROSS_ENTROPY_KERNELS,
]);

/** The plain-op loss (transformer.ts' before the fused kernels), differentiated by tfjs's autodiff. */
export function meanCrossEntropyReference(logits: tf.Tensor2D, targets: tf.Tensor1D): tf.Scalar {
  const logProbs = tf.logSoftmax(logits);
  const picked = logProbs.mul(tf.oneHot(targets, logits.shape[1]).toFloat()).sum(-1);
  return picked.mean().neg() as tf.Scalar;
}

/** Whether the fused op runs now: kernel mode 'fused' and both kernels on the active backend. */
export function fusedCrossEntropyAvailable(): boolean {
  if (kernelMode('crossEntropy') !== 'fused') return false;
  return hasKernels(tf.getBackend(), CROSS_ENTROPY, CROSS_ENTROPY_GRAD);
}

/** The fused op (both kernels must exist on the active backend; see fusedCrossEntropyAvailable). */
export function fusedMeanCrossEntropy(logits: tf.Tensor2D, targets: tf.Tensor1D): tf.Scalar {
  // Differentiable in the logits only: the targets are held by the closure and saved with the
  // row statistics, so the backward needs no zero gradient for them (one kernel, not two).
  const op = tf.customGrad((x, save) => {
    const [loss, stats] = tf
      .engine()
      .runKernel(CROSS_ENTROPY, { logits: x as tf.Tensor, targets }) as tf.Tensor[];
    (save as tf.GradSaveFunc)([x as tf.Tensor, targets, stats]);
    return {
      value: loss,
      gradFunc: (dy, saved) => {
        const [xs, ts, s] = saved;
        const inputs = { dy: dy as tf.Tensor, logits: xs, targets: ts, stats: s };
        return tf.engine().runKernel(CROSS_ENTROPY_GRAD, inputs) as tf.Tensor;
      },
    };
  }) as (x: tf.Tensor) => tf.Tensor;
  return op(logits) as tf.Scalar;
}

/** The loss as the model runs it: the fused op when it can run on these dtypes, else the reference. */
export function meanCrossEntropy(logits: tf.Tensor2D, targets: tf.Tensor1D): tf.Scalar {
  const fusable = logits.dtype === 'float32' && targets.dtype === 'int32' && fusedCrossEntropyAvailable();
  return fusable ? fusedMeanCrossEntropy(logits, targets) : meanCrossEntropyReference(logits, targets);
}
