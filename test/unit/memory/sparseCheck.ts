import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import { createMemory, type MemoryOptions } from '../../../src/model/memory/createMemory';
import { RandomStream } from '../../../src/model/memory/random';
import type { RowUpdaterKind } from '../../../src/model/memory/sparse/adam';
import { bitsEqual, makeSpec, uniform } from './helpers';

const N = 8;
const LR = 0.05;
const ADAM = { beta1: 0.9, beta2: 0.999, eps: 1e-8 };

/**
 * Three sparse Adam steps on the current backend, each checked against a float64 reference:
 * rows read (duplicates summed) follow torch SparseAdam, every other row and its moments stay
 * bit for bit as they were, and an in-place writer keeps the very same table tensor.
 */
export async function checkSparseSteps(
  expectedKind: RowUpdaterKind,
  options: MemoryOptions = {},
  size: { n_keys: number; v_dim: number } = { n_keys: 8, v_dim: 5 },
): Promise<void> {
  const spec = makeSpec({ ...size, knn: 3, heads: 2, k_dim: 4, query_norm: 'layernorm' });
  const mod = createMemory(spec, { seed: 21 }, options);
  const rows = spec.n_keys ** 2;
  const vDim = spec.v_dim;
  let table = (await mod.readWeights()).values;
  let m: Float32Array = new Float32Array(table.length);
  let v: Float32Array = new Float32Array(table.length);
  const rng = new RandomStream(4, expectedKind.length);
  let sawDuplicate = false;
  for (let step = 1; step <= 3; step++) {
    const x = tf.tensor2d(uniform(N * spec.d_in, 2, rng), [N, spec.d_in]);
    const r = tf.tensor2d(uniform(N * vDim, 1, rng), [N, vDim]);
    const probe = mod.valueGradientVariables(N)[0];
    let slots: tf.Tensor | null = null;
    const { value, grads } = tf.variableGrads(() => {
      const read = mod.forward(x, 'train');
      slots = tf.keep(read.slots);
      return tf.sum(tf.mul(read.output, r)) as tf.Scalar;
    }, [probe]);
    const grad = grads[probe.name];
    const g = (await grad.data()) as Float32Array;
    const ids = (await slots!.data()) as Int32Array;

    const summed = new Map<number, Float64Array>();
    ids.forEach((slot, o) => {
      if (summed.has(slot)) sawDuplicate = true;
      const acc = summed.get(slot) ?? new Float64Array(vDim);
      for (let c = 0; c < vDim; c++) acc[c] += g[o * vDim + c];
      summed.set(slot, acc);
    });
    const stepSize = (LR * Math.sqrt(1 - ADAM.beta2 ** step)) / (1 - ADAM.beta1 ** step);
    const tableBefore = mod.valueTable;
    const dataIdBefore = tableBefore.dataId;

    await mod.applyValueGradients([grad], LR);

    expect(mod.valueUpdateKind).toBe(expectedKind);
    if (expectedKind !== 'generic') expect(mod.valueTable.dataId).toBe(dataIdBefore);
    const after = (await mod.readWeights()).values;
    const state = await mod.readValueOptimizerState();
    expect(state.step).toBe(step);
    for (let row = 0; row < rows; row++) {
      const at = row * vDim;
      const span = (a: Float32Array) => a.subarray(at, at + vDim);
      const acc = summed.get(row);
      if (!acc) {
        expect(bitsEqual(span(after), span(table)), `value row ${row} untouched`).toBe(true);
        expect(bitsEqual(span(state.m), span(m)), `m row ${row} untouched`).toBe(true);
        expect(bitsEqual(span(state.v), span(v)), `v row ${row} untouched`).toBe(true);
        continue;
      }
      for (let c = 0; c < vDim; c++) {
        const mc = ADAM.beta1 * m[at + c] + (1 - ADAM.beta1) * acc[c];
        const vc = ADAM.beta2 * v[at + c] + (1 - ADAM.beta2) * acc[c] ** 2;
        const pc = table[at + c] - (stepSize * mc) / (Math.sqrt(vc) + ADAM.eps);
        expect(state.m[at + c]).toBeCloseTo(mc, 6);
        expect(Math.abs(state.v[at + c] - vc)).toBeLessThanOrEqual(1e-6 * vc + 1e-12);
        expect(after[at + c]).toBeCloseTo(pc, 5);
      }
      // The row moved: a step with a non-zero gradient changes it.
      if (acc.some((gc) => Math.abs(gc) > 1e-6)) expect(bitsEqual(span(after), span(table))).toBe(false);
    }
    expect(summed.size).toBeLessThan(rows);
    table = after;
    m = state.m;
    v = state.v;
    tf.dispose([x, r, value, slots!, ...Object.values(grads)]);
  }
  expect(sawDuplicate).toBe(true);
  mod.dispose();
}
