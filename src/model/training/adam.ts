import * as tf from '@tensorflow/tfjs';
import { applyDenseAdam } from '../ops/denseAdam';

/** β1, β2 as the paper (0.9, 0.98); ε as XLM's Adam. */
export const ADAM_BETA1 = 0.9;
export const ADAM_BETA2 = 0.98;
export const ADAM_EPSILON = 1e-8;

export interface AdamState {
  /** Updates applied so far (the bias-correction step). */
  step: number;
  m: Float32Array[];
  v: Float32Array[];
}

/**
 * Dense Adam written with tf ops. Moments are indexed by position in the variable list passed
 * to `apply` (the list must keep its order and shapes), so a model whose memories were rebuilt
 * from a checkpoint keeps training with the same optimiser.
 */
export interface DenseAdam {
  readonly step: number;
  /**
   * Queues one update: g ← grads·gradScale, then Adam with learning rate `lr`. `control` is the
   * device's [gradScale, apply] (see ops/denseAdam.ts): with apply = 0 nothing changes on the
   * device, but the step counter still advances here (the CPU does not know yet): the trainer
   * puts it back with `rewind` once it has read that the step was skipped.
   */
  apply(variables: tf.Variable[], grads: tf.Tensor[], lr: number, control: tf.Tensor1D): void;
  /** Sets the step counter back to `step` (≤ the current one) after skipped steps. */
  rewind(step: number): void;
  readState(): Promise<AdamState>;
  loadState(state: AdamState, variables: tf.Variable[]): void;
  dispose(): void;
}

export function createDenseAdam(): DenseAdam {
  let step = 0;
  let m: tf.Variable[] = [];
  let v: tf.Variable[] = [];

  const zeros = (like: tf.Variable) => tf.tidy(() => tf.variable(tf.zerosLike(like), false));
  function ensureMoments(variables: tf.Variable[]): void {
    if (m.length === 0) {
      m = variables.map(zeros);
      v = variables.map(zeros);
      return;
    }
    const same =
      m.length === variables.length && variables.every((x, i) => tf.util.arraysEqual(x.shape, m[i].shape));
    if (!same) throw new Error('the optimiser was created for variables of other shapes');
  }
  const disposeMoments = () => {
    for (const t of [...m, ...v]) t.dispose();
    m = [];
    v = [];
  };

  return {
    get step() {
      return step;
    },
    apply(variables, grads, lr, control) {
      ensureMoments(variables);
      step += 1;
      const c1 = 1 - ADAM_BETA1 ** step;
      const c2 = 1 - ADAM_BETA2 ** step;
      // Bias correction folded into the step size and ε: identical to m̂/(sqrt(v̂) + ε).
      applyDenseAdam({
        variables,
        grads,
        m,
        v,
        control,
        stepSize: (lr * Math.sqrt(c2)) / c1,
        eps: ADAM_EPSILON * Math.sqrt(c2),
        beta1: ADAM_BETA1,
        beta2: ADAM_BETA2,
      });
    },
    rewind(to) {
      if (!(Number.isInteger(to) && to >= 0 && to <= step))
        throw new Error(`the optimiser step can only go back (from ${step} to ${to})`);
      step = to;
    },
    async readState() {
      const read = (list: tf.Variable[]) =>
        Promise.all(list.map(async (t) => (await t.data()) as Float32Array));
      return { step, m: await read(m), v: await read(v) };
    },
    loadState(state, variables) {
      if (state.step === 0 && state.m.length === 0 && state.v.length === 0) {
        // Saved before the first step: there are no moments yet.
        disposeMoments();
        step = 0;
        return;
      }
      const sizes = variables.map((x) => x.size);
      const ok =
        state.m.length === variables.length &&
        state.v.length === variables.length &&
        sizes.every((n, i) => state.m[i].length === n && state.v[i].length === n);
      if (!ok) throw new Error('the optimiser state does not match the model variables');
      disposeMoments();
      m = state.m.map((a, i) => tf.tidy(() => tf.variable(tf.tensor(a, variables[i].shape), false)));
      v = state.v.map((a, i) => tf.tidy(() => tf.variable(tf.tensor(a, variables[i].shape), false)));
      step = state.step;
    },
    dispose: disposeMoments,
  };
}
