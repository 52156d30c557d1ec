import * as tf from '@tensorflow/tfjs';
import { readValueRows } from '../memory/valueRead';
import { CPU_VALUE_READ_KERNELS } from './cpu/valueRead';
import { kernelMode } from './kernelMode';
import { hasKernels, registerKernels } from './registerKernels';
import { VALUE_READ, VALUE_READ_GRAD } from './valueReadKernels';
import { WASM_VALUE_READ_KERNELS } from './wasm/valueRead';
import { WEBGPU_VALUE_READ_KERNELS } from './webgpu/valueRead';

/**
 * The fused memory read (an embedding bag): out[n] = Σ over the (head, rank) entries of row n of
 * weight · values[slot], one kernel instead of a gather of every row read ([N, heads·knn, v_dim])
 * and a batched matMul of N tiny matrices. Its gradient is one kernel too (two programs on
 * WebGPU): the weights' gradient and the gradient of every row read, which goes to the probe
 * (memory/valueRead.ts) and from there to the sparse value update; the table gets none.
 */

registerKernels([...CPU_VALUE_READ_KERNELS, ...WASM_VALUE_READ_KERNELS, ...WEBGPU_VALUE_READ_KERNELS]);

/** Whether the fused read runs now: kernel mode 'fused' and kernels for the active backend. */
export function fusedValueReadAvailable(): boolean {
  if (kernelMode('valueRead') !== 'fused') return false;
  const backend = tf.getBackend();
  return hasKernels(backend, VALUE_READ, VALUE_READ_GRAD);
}

/** The plain-op read: gather the rows (through the probe in training), then a batched matMul. */
export function valueReadReference(
  values: tf.Tensor2D,
  slots: tf.Tensor3D,
  weights: tf.Tensor3D,
  probe: tf.Variable | null,
): tf.Tensor2D {
  const [n, heads, knn] = slots.shape;
  const rows = readValueRows(values, slots, probe);
  const read = tf.matMul(tf.reshape(weights, [n, 1, heads * knn]), rows);
  return tf.reshape(read, [n, values.shape[1]]) as tf.Tensor2D;
}

/** The fused read; gradients go to `weights` and, in training, to `probe` (the rows read). */
export function fusedValueRead(
  values: tf.Tensor2D,
  slots: tf.Tensor3D,
  weights: tf.Tensor3D,
  probe: tf.Variable | null,
): tf.Tensor2D {
  const read = (w: tf.Tensor) =>
    tf.engine().runKernel(VALUE_READ, { values, slots, weights: w }) as tf.Tensor2D;
  // The table is read from the closure, not saved: saving clones, and a clone copies the whole
  // table on wasm (its Identity kernel copies). It is the memory's variable, alive throughout.
  const grads = (dy: tf.Tensor, saved: tf.Tensor[]) =>
    tf.engine().runKernel(VALUE_READ_GRAD, {
      dy,
      values,
      slots: saved[1],
      weights: saved[0],
    }) as tf.Tensor[];
  if (probe) {
    const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const [w, , save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
      // Saved (kept by the tape), since the caller's tidy may end before the backward runs.
      save([w, slots]);
      return { value: read(w), gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => grads(dy, saved) };
    });
    return op(weights, probe) as tf.Tensor2D;
  }
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [w, save] = args as [tf.Tensor, tf.GradSaveFunc];
    save([w, slots]);
    return {
      value: read(w),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [dWeights, dRows] = grads(dy, saved);
        dRows.dispose();
        return dWeights;
      },
    };
  });
  return op(weights) as tf.Tensor2D;
}

/** The memory read the module uses: fused when it can run, else the plain-op reference. */
export function valueRead(
  values: tf.Tensor2D,
  slots: tf.Tensor3D,
  weights: tf.Tensor3D,
  probe: tf.Variable | null,
): tf.Tensor2D {
  return fusedValueReadAvailable()
    ? fusedValueRead(values, slots, weights, probe)
    : valueReadReference(values, slots, weights, probe);
}
