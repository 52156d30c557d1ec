import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import { createMemory } from '../../../src/model/memory/createMemory';
import { RandomStream } from '../../../src/model/memory/random';
import type { UpdaterChoice } from '../../../src/model/memory/sparse/updaters';
import { makeSpec, uniform } from '../memory/helpers';

const N = 8;

/**
 * The memory's value update under the trainer's device-side control [gradScale, apply]: a step
 * with apply = 0 (its gradient poisoned with NaN) leaves the value rows, their moments and the
 * BatchNorm running statistics bit for bit as they were; the next step with apply = 1 moves them.
 */
export async function checkValueUpdateMask(
  expectedKind: string,
  valueUpdate: UpdaterChoice = 'auto',
): Promise<void> {
  const spec = makeSpec({ n_keys: 8, v_dim: 5, knn: 3, heads: 2, k_dim: 4, query_norm: 'batchnorm' });
  const mod = createMemory(spec, { seed: 21 }, { valueUpdate });
  const rng = new RandomStream(4, 9);
  const state = async () => ({ weights: await mod.readWeights(), adam: await mod.readValueOptimizerState() });
  let before = await state();
  for (const apply of [1, 0, 1]) {
    const x = tf.tensor2d(uniform(N * spec.d_in, 2, rng), [N, spec.d_in]);
    const r = tf.tensor2d(uniform(N * spec.v_dim, 1, rng), [N, spec.v_dim]);
    const probe = mod.valueGradientVariables(N)[0];
    const { value, grads } = tf.variableGrads(() => {
      const read = mod.forward(x, 'train');
      return tf.sum(tf.mul(read.output, r)) as tf.Scalar;
    }, [probe]);
    const grad = apply === 1 ? grads[probe.name] : tf.mul(grads[probe.name], Number.NaN);
    const control = tf.tensor1d([1, apply]);
    await mod.applyValueGradients([grad], 0.05, control);
    mod.commitBatchStatistics(control);
    expect(mod.valueUpdateKind).toBe(expectedKind);
    const after = await state();
    // The value step counts every call: the trainer sets it back once it reads the step was skipped.
    expect(after.adam.step).toBe(before.adam.step + 1);
    if (apply === 0) {
      expect(after.weights).toEqual(before.weights);
      expect({ ...after.adam, step: 0 }).toEqual({ ...before.adam, step: 0 });
    } else {
      expect(after.weights.values).not.toEqual(before.weights.values);
      expect(after.weights.runningMean).not.toEqual(before.weights.runningMean);
      expect(after.adam.m).not.toEqual(before.adam.m);
    }
    before = after;
    tf.dispose([x, r, value, grad, control, ...Object.values(grads)]);
  }
  mod.dispose();
}
