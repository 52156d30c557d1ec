import * as tf from '@tensorflow/tfjs';
import { gatherRows } from './select';

/**
 * Reads the selected value rows, [N, heads·knn, v_dim].
 *
 * With a probe (a zero-valued trainable variable [N, heads, knn, v_dim]) the read is
 * `values[slots] + probe` for the tape: its gradient w.r.t. the probe is exactly d(loss)/d(rows
 * read), so tf.variableGrads yields the value gradient of just the rows read, with no dense
 * gradient of the table. The forward never uses the probe's value (it is 0 by construction), so
 * the read costs one gather, and even a probe changed by mistake cannot alter the output.
 */
export function readValueRows(
  values: tf.Tensor2D,
  slots: tf.Tensor3D,
  probe: tf.Variable | null,
): tf.Tensor3D {
  const [n, h, k] = slots.shape;
  const v = values.shape[1];
  const read = () =>
    tf.reshape(gatherRows(values, tf.reshape(slots, [n * h * k])), [n, h * k, v]) as tf.Tensor3D;
  if (!probe) return read();
  const probeShape = probe.shape;
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    void args;
    return { value: read(), gradFunc: (dy: tf.Tensor) => tf.reshape(dy, probeShape) };
  });
  return op(probe) as tf.Tensor3D;
}
