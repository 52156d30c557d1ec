import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import type { ModelConfig } from '../../../src/model/config';
import type { PkmMemoryModule } from '../../../src/model/memory/createMemory';
import type { RowUpdaterKind } from '../../../src/model/memory/sparse/adam';
import { slotCount } from '../../../src/model/memory/spec';
import { createTrainer, stepAndFlush } from '../../../src/model/training/trainer';
import { createModel, type PkmModel } from '../../../src/model/transformer';
import { tinyConfig } from '../model/tinyConfig';
import { bitsEqual } from './helpers';

const ADAM = { beta1: 0.9, beta2: 0.999, eps: 1e-8 };

/** Three blocks, memories in blocks 0 and 2 with 256 slots: the two layers often read the same rows. */
export const sharedConfig = (overrides: Partial<ModelConfig> = {}) =>
  tinyConfig({
    layers: 3,
    mem_layers: [0, 2],
    n_keys: 16,
    knn: 2,
    heads: 2,
    k_dim: 8,
    value_lr: 0.05,
    mem_share_values: true,
    ...overrides,
  });

export const pkm = (model: PkmModel, i: number) => model.memories[i] as PkmMemoryModule;

/** A deterministic [batch, context + 1] batch of byte tokens. */
export function batchOf(config: ModelConfig, seed: number) {
  const length = config.context + 1;
  const tokens = new Int32Array(config.batch * length);
  for (let i = 0; i < tokens.length; i++) tokens[i] = (i * 37 + seed * 101 + ((i * i) % 11)) % 256;
  return { tokens, batch: config.batch, length };
}

/** Each memory's slot ids and value-row gradients of a 'train' loss on `batch` (what a step applies). */
async function rowGradients(model: PkmModel, batch: ReturnType<typeof batchOf>) {
  const n = batch.batch * (batch.length - 1);
  const probes = model.memories.map((m) => m.valueGradientVariables(n)[0]);
  const { ids, grads } = tf.tidy(() => {
    const sequences = tf.tensor2d(batch.tokens, [batch.batch, batch.length], 'int32');
    let slots: tf.Tensor[] = [];
    const { value, grads } = tf.variableGrads(() => {
      const result = model.loss(sequences, 'train');
      slots = result.reads.map((r) => tf.keep(tf.clone(r.slots)));
      return result.loss;
    }, probes);
    value.dispose();
    return { ids: slots, grads: probes.map((p) => tf.keep(grads[p.name])) };
  });
  const out = [];
  for (let i = 0; i < probes.length; i++) {
    out.push({
      ids: (await ids[i].data()) as Int32Array,
      grads: (await grads[i].data()) as Float32Array,
    });
  }
  tf.dispose([...ids, ...grads]);
  return out;
}

/**
 * Two training steps of a model whose two memory layers share one value table, on the current
 * backend, each checked against a float64 reference made by hand: both layers' row gradients summed
 * per slot, then ONE torch SparseAdam step (one global step count). Rows read by either layer follow
 * it; every other row and its moments stay bit for bit as they were.
 */
export async function checkSharedValueSteps(expectedKind: RowUpdaterKind): Promise<void> {
  const config = sharedConfig();
  const model = createModel(config);
  const trainer = createTrainer(model, config);
  const vDim = model.memories[0].spec.v_dim;
  const rows = slotCount(model.memories[0].spec);
  let table = (await model.readWeights()).memories[0].values;
  let m: Float32Array = new Float32Array(table.length);
  let v: Float32Array = new Float32Array(table.length);
  let sharedRows = 0;
  for (let step = 1; step <= 2; step++) {
    const batch = batchOf(config, step);
    const layers = await rowGradients(model, batch);
    const summed = new Map<number, Float64Array>();
    const readBy = layers.map((l) => new Set(l.ids));
    for (const { ids, grads } of layers) {
      ids.forEach((slot, o) => {
        const acc = summed.get(slot) ?? new Float64Array(vDim);
        for (let c = 0; c < vDim; c++) acc[c] += grads[o * vDim + c];
        summed.set(slot, acc);
      });
    }
    sharedRows += [...readBy[0]].filter((s) => readBy[1].has(s)).length;
    await stepAndFlush(trainer, batch);
    const after = (await model.readWeights()).memories[1].values;
    const state = await pkm(model, 1).readValueOptimizerState();
    expect(state.step).toBe(step);
    const stepSize = (config.value_lr * Math.sqrt(1 - ADAM.beta2 ** step)) / (1 - ADAM.beta1 ** step);
    for (let row = 0; row < rows; row++) {
      const at = row * vDim;
      const span = (a: Float32Array) => a.subarray(at, at + vDim);
      const acc = summed.get(row);
      if (!acc) {
        expect(bitsEqual(span(after), span(table)), `row ${row} untouched`).toBe(true);
        expect(bitsEqual(span(state.m), span(m)), `m row ${row} untouched`).toBe(true);
        expect(bitsEqual(span(state.v), span(v)), `v row ${row} untouched`).toBe(true);
        continue;
      }
      for (let c = 0; c < vDim; c++) {
        const mc = ADAM.beta1 * m[at + c] + (1 - ADAM.beta1) * acc[c];
        const vc = ADAM.beta2 * v[at + c] + (1 - ADAM.beta2) * acc[c] ** 2;
        const pc = table[at + c] - (stepSize * mc) / (Math.sqrt(vc) + ADAM.eps);
        expect(Math.abs(state.m[at + c] - mc)).toBeLessThanOrEqual(1e-6 * Math.abs(mc) + 1e-9);
        expect(Math.abs(state.v[at + c] - vc)).toBeLessThanOrEqual(1e-5 * vc + 1e-12);
        expect(after[at + c]).toBeCloseTo(pc, 5);
      }
    }
    expect(summed.size).toBeLessThan(rows);
    table = after;
    m = state.m;
    v = state.v;
  }
  // The check means something only if the layers did share rows.
  expect(sharedRows).toBeGreaterThan(0);
  expect(pkm(model, 0).valueUpdateKind).toBe(expectedKind);
  trainer.dispose();
  model.dispose();
}
