import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ADAM_BETA1, ADAM_BETA2, ADAM_EPSILON, createDenseAdam } from '../../../src/model/training/adam';
import { learningRate } from '../../../src/model/training/schedule';
import { clipScale } from '../../../src/model/training/trainer';
import { useWasm } from './wasmBackend';

beforeAll(useWasm);

/** The device-side [gradScale, apply] the trainer passes (always applied here). */
const control = (scale: number) => tf.tensor1d([scale, 1]);

describe('learning-rate schedule', () => {
  it('warms up linearly, then decays with the inverse square root of the step', () => {
    expect(learningRate(1, 1e-3, 10)).toBeCloseTo(1e-4, 12);
    expect(learningRate(10, 1e-3, 10)).toBeCloseTo(1e-3, 12);
    expect(learningRate(40, 1e-3, 10)).toBeCloseTo(5e-4, 12);
    expect(learningRate(1, 1e-3, 0)).toBe(1e-3);
    expect(learningRate(4, 1e-3, 0)).toBeCloseTo(5e-4, 12);
    expect(() => learningRate(0, 1e-3, 10)).toThrow(/counted from 1/);
  });

  it('clips the global norm only above the threshold', () => {
    expect(clipScale(4, 1)).toBe(0.25);
    expect(clipScale(0.5, 1)).toBe(1);
    expect(clipScale(1e6, 0)).toBe(1);
  });
});

describe('dense Adam', () => {
  it('matches the textbook update with bias correction over several steps', async () => {
    const adam = createDenseAdam();
    const param = tf.variable(tf.tensor1d([0.5, -1, 2]));
    const grads = [
      [0.1, -0.2, 0.3],
      [0.4, 0.0, -0.1],
      [-0.3, 0.2, 0.05],
    ];
    const expected = [0.5, -1, 2];
    const m = [0, 0, 0];
    const v = [0, 0, 0];
    grads.forEach((g, step) => {
      const lr = 0.01 * (step + 1);
      const scale = step === 1 ? 0.5 : 1;
      const t = step + 1;
      for (let i = 0; i < 3; i++) {
        const gi = g[i] * scale;
        m[i] = ADAM_BETA1 * m[i] + (1 - ADAM_BETA1) * gi;
        v[i] = ADAM_BETA2 * v[i] + (1 - ADAM_BETA2) * gi * gi;
        const mHat = m[i] / (1 - ADAM_BETA1 ** t);
        const vHat = v[i] / (1 - ADAM_BETA2 ** t);
        expected[i] -= (lr * mHat) / (Math.sqrt(vHat) + ADAM_EPSILON);
      }
      const gt = tf.tensor1d(g);
      adam.apply([param], [gt], lr, control(scale));
      gt.dispose();
    });
    const got = await param.data();
    for (let i = 0; i < 3; i++) expect(got[i]).toBeCloseTo(expected[i], 5);
    const state = await adam.readState();
    expect(state.step).toBe(3);
    expect(state.m[0][0]).toBeCloseTo(m[0], 6);
    expect(state.v[0][1]).toBeCloseTo(v[1], 7);
    // A restored optimiser continues identically.
    const copy = createDenseAdam();
    const twin = tf.variable(tf.tensor1d(Array.from(got)));
    copy.loadState(state, [twin]);
    const g = tf.tensor1d([0.2, 0.2, -0.2]);
    adam.apply([param], [g], 0.01, control(1));
    copy.apply([twin], [g], 0.01, control(1));
    expect(Array.from(await twin.data())).toEqual(Array.from(await param.data()));
    expect(() => copy.apply([tf.variable(tf.zeros([2]))], [g], 0.01, control(1))).toThrow(
      /variables of other shapes/,
    );
    tf.dispose([param, twin, g]);
    adam.dispose();
    copy.dispose();
  });

  it('restores a state saved before the first step (no moments yet), and refuses a mismatched one', async () => {
    const fresh = createDenseAdam();
    const state = await fresh.readState();
    expect(state).toEqual({ step: 0, m: [], v: [] });
    const param = tf.variable(tf.tensor1d([1, 2]));
    const used = createDenseAdam();
    used.apply([param], [tf.tensor1d([0.5, 0.5])], 0.1, control(1));
    used.loadState(state, [param]);
    expect(used.step).toBe(0);
    expect(() => used.loadState({ step: 2, m: [], v: [] }, [param])).toThrow(
      /does not match the model variables/,
    );
    tf.dispose(param);
    fresh.dispose();
    used.dispose();
  });
});
