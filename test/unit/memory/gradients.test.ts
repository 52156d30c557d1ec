import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { createMemory } from '../../../src/model/memory/createMemory';
import { RandomStream } from '../../../src/model/memory/random';
import type { MemorySpec, MemoryWeights } from '../../../src/model/memory/types';
import { makeSpec, uniform, useBackend } from './helpers';

/**
 * Every gradient of the memory against central finite differences of the loss Σ output ⊙ R,
 * in train mode (BatchNorm batch statistics included). The selection is piecewise constant:
 * a coordinate whose perturbation changes any selected slot is not compared (and must be rare).
 */

const N = 7;
const EPS = 2e-3;

type Param = keyof MemoryWeights | 'x';

interface Setup {
  spec: MemorySpec;
  weights: MemoryWeights;
  x: Float32Array;
  r: Float32Array;
}

async function lossAt(s: Setup, weights: MemoryWeights, x: Float32Array) {
  const mod = createMemory(s.spec, { weights });
  const read = mod.forward(tf.tensor2d(x, [N, s.spec.d_in]), 'train');
  const [out, slots] = await Promise.all([read.output.data(), read.slots.data()]);
  tf.dispose([read.output, read.slots, read.scores, read.weights]);
  mod.dispose();
  let loss = 0;
  for (let i = 0; i < out.length; i++) loss += out[i] * s.r[i];
  return { loss, slots: slots as Int32Array };
}

async function analytic(s: Setup) {
  const mod = createMemory(s.spec, { weights: s.weights });
  const xv = tf.variable(tf.tensor2d(s.x, [N, s.spec.d_in]));
  const r = tf.tensor2d(s.r, [N, s.spec.d_out]);
  const dense = mod.denseVariables();
  const probe = mod.valueGradientVariables(N)[0];
  let slots: tf.Tensor | null = null;
  const { value, grads } = tf.variableGrads(() => {
    const read = mod.forward(xv as tf.Tensor2D, 'train');
    slots = tf.keep(read.slots);
    return tf.sum(tf.mul(read.output, r)) as tf.Scalar;
  }, [xv, ...dense, probe]);
  const names: Param[] = ['queryW', 'queryB'];
  if (s.spec.query_norm !== 'none') names.push('normGamma', 'normBeta');
  names.push('keys');
  if (s.spec.mem_plus) names.push('gateW', 'outW');
  const out: Partial<Record<Param, Float32Array>> = { x: (await grads[xv.name].data()) as Float32Array };
  for (let i = 0; i < names.length; i++) out[names[i]] = (await grads[dense[i].name].data()) as Float32Array;
  const probeGrad = (await grads[probe.name].data()) as Float32Array;
  const slotIds = (await slots!.data()) as Int32Array;
  // The value table gradient: each read row's gradient summed into its slot.
  const values = new Float32Array(s.weights.values.length);
  const v = s.spec.v_dim;
  slotIds.forEach((slot, o) => {
    for (let c = 0; c < v; c++) values[slot * v + c] += probeGrad[o * v + c];
  });
  out.values = values;
  tf.dispose([value, xv, r, slots!, ...Object.values(grads)]);
  mod.dispose();
  return { grads: out, slots: slotIds, probeGrad };
}

function perturbed(s: Setup, param: Param, index: number, delta: number) {
  const weights: MemoryWeights = { ...s.weights };
  let x = s.x;
  if (param === 'x') {
    x = s.x.slice();
    x[index] += delta;
  } else {
    const copy = s.weights[param]!.slice();
    copy[index] += delta;
    weights[param] = copy;
  }
  return { weights, x };
}

/** Coordinates to check: a few random ones, and for keys/values some that are actually read. */
function coordinates(s: Setup, param: Param, slots: Int32Array, rng: RandomStream): number[] {
  const length = param === 'x' ? s.x.length : s.weights[param]!.length;
  const picks = new Set<number>();
  if (param === 'values') {
    for (let t = 0; t < 6; t++) {
      const slot = slots[Math.floor(rng.next() * slots.length)];
      picks.add(slot * s.spec.v_dim + Math.floor(rng.next() * s.spec.v_dim));
    }
  } else if (param === 'keys' && s.spec.mem_keys === 'product') {
    const { n_keys, k_dim } = s.spec;
    const half = k_dim / 2;
    for (let t = 0; t < 6; t++) {
      const o = Math.floor(rng.next() * slots.length);
      const h = Math.floor(o / s.spec.knn) % s.spec.heads;
      const side = t % 2;
      const sub = side === 0 ? Math.floor(slots[o] / n_keys) : slots[o] % n_keys;
      picks.add(((h * 2 + side) * n_keys + sub) * half + Math.floor(rng.next() * half));
    }
  } else if (param === 'keys') {
    const { n_keys, k_dim } = s.spec;
    for (let t = 0; t < 6; t++) {
      const o = Math.floor(rng.next() * slots.length);
      const h = Math.floor(o / s.spec.knn) % s.spec.heads;
      picks.add((h * n_keys * n_keys + slots[o]) * k_dim + Math.floor(rng.next() * k_dim));
    }
  }
  const target = Math.min(length, picks.size + 4);
  while (picks.size < target) picks.add(Math.floor(rng.next() * length));
  return [...picks];
}

async function checkAll(s: Setup) {
  const { grads, slots } = await analytic(s);
  const rng = new RandomStream(11, s.spec.n_keys);
  const params = Object.keys(grads) as Param[];
  let compared = 0;
  let flipped = 0;
  const failures: string[] = [];
  for (const param of params) {
    for (const index of coordinates(s, param, slots, rng)) {
      const plus = perturbed(s, param, index, EPS);
      const minus = perturbed(s, param, index, -EPS);
      const [a, b] = [await lossAt(s, plus.weights, plus.x), await lossAt(s, minus.weights, minus.x)];
      if (a.slots.some((v, i) => v !== slots[i]) || b.slots.some((v, i) => v !== slots[i])) {
        flipped++;
        continue;
      }
      compared++;
      const numeric = (a.loss - b.loss) / (2 * EPS);
      const got = grads[param]![index];
      if (Math.abs(numeric - got) > 2e-3 + 2e-2 * Math.abs(numeric)) {
        failures.push(`${param}[${index}]: analytic ${got}, numeric ${numeric}`);
      }
    }
  }
  expect(failures).toEqual([]);
  expect(flipped).toBeLessThanOrEqual(compared / 4);
  return { compared, params };
}

async function prepared(overrides: Partial<MemorySpec>, seed: number): Promise<Setup> {
  const spec = makeSpec(overrides);
  const mod = createMemory(spec, { seed });
  const rng = new RandomStream(seed, 5);
  const s: Setup = {
    spec,
    weights: await mod.readWeights(),
    x: uniform(N * spec.d_in, 1.5, rng),
    r: uniform(N * spec.d_out, 1, rng),
  };
  mod.dispose();
  if (s.weights.normGamma) {
    s.weights.normGamma = uniform(s.weights.normGamma.length, 0.5, rng).map((v) => 1 + v);
    s.weights.normBeta = uniform(s.weights.normBeta!.length, 0.3, rng);
  }
  return s;
}

describe('gradients match finite differences (wasm)', () => {
  const cases = [
    ['product', 'batchnorm', false],
    ['product', 'layernorm', false],
    ['product', 'none', false],
    ['flat', 'batchnorm', false],
    ['flat', 'layernorm', false],
    ['flat', 'none', false],
    ['product', 'batchnorm', true],
    ['flat', 'layernorm', true],
  ] as const;
  it.each(cases)('%s keys, %s, memory+ %s', async (mem_keys, query_norm, mem_plus) => {
    await useBackend('wasm');
    const overrides: Partial<MemorySpec> = {
      mem_keys,
      query_norm,
      mem_plus,
      k_dim: 8,
      n_keys: mem_keys === 'flat' ? 4 : 5,
    };
    if (mem_plus) Object.assign(overrides, { v_dim: 4, d_out: 5 });
    const s = await prepared(overrides, mem_keys.length + query_norm.length + Number(mem_plus));
    const { compared, params } = await checkAll(s);
    const expected = ['x', 'queryW', 'queryB', 'keys', 'values'];
    if (query_norm !== 'none') expected.push('normGamma', 'normBeta');
    if (mem_plus) expected.push('gateW', 'outW');
    expect(params.sort()).toEqual(expected.sort());
    expect(compared).toBeGreaterThanOrEqual(params.length * 4);
  });
});

describe('value gradients', () => {
  it('the probe gradient summed per slot equals a dense table gradient', async () => {
    await useBackend('wasm');
    const s = await prepared({ n_keys: 3, knn: 3, heads: 2, query_norm: 'layernorm' }, 3);
    const { grads, slots } = await analytic(s);
    // A dense reference: the same read with a differentiable gather over the whole table.
    const mod = createMemory(s.spec, { weights: s.weights });
    const read = mod.forward(tf.tensor2d(s.x, [N, s.spec.d_in]), 'eval');
    const table = tf.variable(tf.tensor2d(s.weights.values, [9, s.spec.v_dim]));
    const ids = tf.reshape(read.slots, [-1]);
    const denseGather = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const t = args[0] as tf.Tensor2D;
      return {
        value: tf.gather(t, ids),
        gradFunc: (dy: tf.Tensor) => tf.scatterND(tf.reshape(ids, [-1, 1]), dy, t.shape),
      };
    });
    const r = tf.tensor2d(s.r, [N, s.spec.d_out]);
    const { value, grads: dense } = tf.variableGrads(() => {
      const rows = tf.reshape(denseGather(table), [N, s.spec.heads * s.spec.knn, s.spec.v_dim]);
      const out = tf.reshape(tf.matMul(tf.reshape(read.weights, [N, 1, -1]), rows), [N, s.spec.v_dim]);
      return tf.sum(tf.mul(out, r)) as tf.Scalar;
    }, [table]);
    expect(Array.from((await read.slots.data()) as Int32Array)).toEqual(Array.from(slots));
    const want = (await dense[table.name].data()) as Float32Array;
    for (let i = 0; i < want.length; i++) expect(grads.values![i]).toBeCloseTo(want[i], 5);
    expect(want.some((v) => v !== 0)).toBe(true);
    tf.dispose([
      value,
      table,
      r,
      ids,
      read.output,
      read.slots,
      read.scores,
      read.weights,
      ...Object.values(dense),
    ]);
    mod.dispose();
  });
});
