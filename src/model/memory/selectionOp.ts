import * as tf from '@tensorflow/tfjs';
import type { Selection } from './select';

/** d(loss)/d(query) and d(loss)/d(keys) from the gradient `dy` of the selected raw scores. */
export type SelectionGradient = (
  dy: tf.Tensor3D,
  query: tf.Tensor2D,
  keys: tf.Tensor,
  slots: tf.Tensor3D,
) => [tf.Tensor, tf.Tensor];

/**
 * One differentiable selection op around a search (the plain-op reference or a fused kernel):
 * slots (int32, no gradient) and raw scores whose gradient flows to `qn` and `keys` only. The
 * search runs inside a tf.customGrad forward, where tfjs records nothing on the tape, so the top-k
 * inside it never needs a gradient.
 */
export function differentiableSelection(
  qn: tf.Tensor2D,
  keys: tf.Tensor,
  search: (query: tf.Tensor2D, keys: tf.Tensor) => Selection,
  gradient: SelectionGradient,
): Selection {
  let escaped: tf.Tensor3D | null = null;
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [q, k, save] = args as [tf.Tensor2D, tf.Tensor, tf.GradSaveFunc];
    const selection = search(q, k);
    // The slots leave the customGrad scope (which tidies everything but its value) kept.
    escaped = tf.keep(selection.slots);
    save([q, k, selection.slots]);
    return {
      value: selection.scores,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        gradient(dy as tf.Tensor3D, saved[0] as tf.Tensor2D, saved[1], saved[2] as tf.Tensor3D),
    };
  });
  const scores = op(qn, keys) as tf.Tensor3D;
  const kept = escaped as unknown as tf.Tensor3D;
  // A clone shares the data and belongs to the caller's scope, so the caller's tidy owns it.
  const slots = tf.clone(kept);
  kept.dispose();
  return { slots, scores };
}
