import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { decodeCheckpoint, encodeCheckpoint } from '../../../src/engine/checkpoint';
import { estimateMemory } from '../../../src/engine/memoryEstimate';
import { validateConfig } from '../../../src/model/config';
import { parseSafetensors } from '../../../src/model/io/safetensors';
import type { PkmMemoryModule } from '../../../src/model/memory/createMemory';
import { slotCount } from '../../../src/model/memory/spec';
import { type ValueOptimizerState, ValuePool } from '../../../src/model/memory/valuePool';
import { createTrainer, stepAndFlush } from '../../../src/model/training/trainer';
import { createModel, type PkmModel } from '../../../src/model/transformer';
import { configFromHash, configToHash } from '../../../src/state/urlConfig';
import { bitsEqual, useBackend } from './helpers';
import { batchOf, checkSharedValueSteps, pkm, sharedConfig } from './sharedValueCheck';

const ADAM = { beta1: 0.9, beta2: 0.999, eps: 1e-8 };

let live: PkmModel[] = [];
afterEach(() => {
  for (const m of live) m.dispose();
  live = [];
});
function track(model: PkmModel): PkmModel {
  live.push(model);
  return model;
}

beforeAll(() => useBackend('wasm'));

describe('mem_share_values: one value table for every memory layer', () => {
  it('both memories read the same table: a write through one is seen by the other', async () => {
    const model = track(createModel(sharedConfig()));
    expect(model.sharedValues).not.toBeNull();
    expect(pkm(model, 0).valueTable).toBe(pkm(model, 1).valueTable);
    expect(pkm(model, 0).valuePool).toBe(model.sharedValues);
    expect(model.sharedValues!.sharedBy).toBe(2);
    const table = pkm(model, 0).valueTable as tf.Variable<tf.Rank.R2>;
    const written = tf.fill(table.shape as [number, number], 0.25) as tf.Tensor2D;
    table.assign(written);
    written.dispose();
    const x = tf.randomNormal([5, model.config.d_model], 0, 1, 'float32', 7) as tf.Tensor2D;
    const read = model.memories[1].forward(x, 'eval');
    // Softmax weights sum to 1 per head and every row is 0.25: each output is heads · 0.25.
    const out = (await read.output.data()) as Float32Array;
    for (const o of out) expect(o).toBeCloseTo(model.config.heads * 0.25, 5);
    expect((await model.memories[1].readWeights()).values.every((v) => v === 0.25)).toBe(true);
    tf.dispose([x, read.output, read.slots, read.scores, read.weights]);

    const separate = track(createModel(sharedConfig({ mem_share_values: false })));
    expect(separate.sharedValues).toBeNull();
    expect(pkm(separate, 0).valueTable).not.toBe(pkm(separate, 1).valueTable);
  });

  it.each(['wasm', 'cpu'] as const)(
    '%s: a training step sums both layers’ row gradients per slot and applies ONE sparse Adam step',
    async (backend) => {
      await useBackend(backend);
      try {
        await checkSharedValueSteps(backend);
      } finally {
        await useBackend('wasm');
      }
    },
  );

  it('checkpoint: the table and its moments are stored once, load back shared, and training resumes identically', async () => {
    const config = sharedConfig();
    const model = track(createModel(config));
    const trainer = createTrainer(model, config);
    for (let s = 1; s <= 3; s++) await stepAndFlush(trainer, batchOf(config, s));
    const states: ValueOptimizerState[] = [];
    for (let i = 0; i < 2; i++) states.push(await pkm(model, i).readValueOptimizerState());
    const bytes = encodeCheckpoint({
      config,
      weights: await model.readWeights(),
      optimizer: await trainer.readOptimizerState(),
      valueOptimizers: states,
      step: 3,
      samplerState: null,
    });
    const decoded = decodeCheckpoint(bytes);
    expect(decoded.config.mem_share_values).toBe(true);
    const file = parseSafetensors(bytes);
    const names = [...file.tensors.keys()];
    expect(names.filter((n) => /^memory\.\d+\.(values|adam_m|adam_v)$/.test(n)).sort()).toEqual([
      'memory.0.adam_m',
      'memory.0.adam_v',
      'memory.0.values',
    ]);
    expect(names).toContain('memory.2.keys');
    expect(file.metadata.value_adam_steps).toBe('[3]');
    expect(decoded.weights.memories[1].values).toBe(decoded.weights.memories[0].values);
    expect(decoded.valueOptimizers![1].step).toBe(3);

    const loaded = track(createModel(decoded.config, { weights: decoded.weights }));
    const resumed = createTrainer(loaded, decoded.config);
    resumed.loadOptimizerState(decoded.optimizer!);
    loaded.memories.forEach((m, i) => {
      (m as PkmMemoryModule).loadValueOptimizerState(decoded.valueOptimizers![i]);
    });
    expect(pkm(loaded, 0).valueTable).toBe(pkm(loaded, 1).valueTable);
    const logits = async (mdl: PkmModel) => {
      const t = tf.tidy(
        () => mdl.forward(tf.tensor2d([[1, 2, 3, 4, 5, 6, 7, 8]], [1, 8], 'int32'), 'eval').logits,
      );
      const data = (await t.data()) as Float32Array;
      t.dispose();
      return data;
    };
    expect(bitsEqual(await logits(loaded), await logits(model))).toBe(true);
    for (let s = 4; s <= 5; s++) {
      const a = await stepAndFlush(trainer, batchOf(config, s));
      const b = await stepAndFlush(resumed, batchOf(config, s));
      expect(b.loss).toBe(a.loss);
    }
    const [wa, wb] = [await model.readWeights(), await loaded.readWeights()];
    expect(bitsEqual(wb.memories[0].values, wa.memories[0].values)).toBe(true);
    expect((await pkm(loaded, 0).readValueOptimizerState()).step).toBe(5);
    trainer.dispose();
    resumed.dispose();
  });

  it('loadWeights rebuilds one shared table and frees the old one', async () => {
    const config = sharedConfig();
    const model = track(createModel(config));
    const weights = await model.readWeights();
    const before = model.sharedValues!;
    const tensors = tf.memory().numTensors;
    model.loadWeights(weights);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(before.isDisposed).toBe(true);
    expect(model.sharedValues).not.toBe(before);
    expect(pkm(model, 0).valueTable).toBe(pkm(model, 1).valueTable);
  });

  it('counts the shared table once (parameters and the memory estimate)', () => {
    const model = track(createModel(sharedConfig()));
    const counts = model.parameterCounts();
    const table = slotCount(model.memories[0].spec) * model.memories[0].spec.v_dim;
    expect(counts.memoryValues).toBe(table);
    expect(counts.blocks[0].memory!.values).toBe(table);
    expect(counts.blocks[2].memory!.values).toBe(0);
    expect(counts.blocks[2].valuesSharedWith).toBe(0);
    const dense = model.denseVariables().reduce((n, v) => n + v.size, 0);
    expect(counts.dense).toBe(dense);
    expect(counts.total).toBe(dense + table);
    const separate = track(createModel(sharedConfig({ mem_share_values: false })));
    expect(separate.parameterCounts().total - counts.total).toBe(table);
    const [shared, own] = [sharedConfig(), sharedConfig({ mem_share_values: false })].map((c) =>
      estimateMemory(c, 2 ** 30),
    );
    expect(own.parameterBytes - shared.parameterBytes).toBe(4 * table);
    expect(own.optimizerBytes - shared.optimizerBytes).toBe(8 * table);
  });
});

describe('ValuePool with two members', () => {
  const grad = (rows: number, value: number) => tf.fill([rows, 2], value);
  // The pool takes the id tensors over (and disposes them).
  const ids = (...slots: number[]) => tf.tensor1d(slots, 'int32');

  it('applies once both have contributed, drops a step abandoned part-way, refuses mixed learning rates', async () => {
    const tensors = tf.memory().numTensors;
    const pool = new ValuePool(new Float32Array(8), 4, 2);
    const [a, b] = [{}, {}];
    pool.join(a);
    pool.join(b);
    const g1 = grad(1, 1);
    await pool.contribute(a, ids(1), g1, 0.1);
    g1.dispose(); // the pool kept its own copy
    expect(pool.step).toBe(0);
    const g2 = grad(2, -1);
    await pool.contribute(b, ids(1, 3), g2, 0.1);
    expect(pool.step).toBe(1);
    const table = (await pool.table.data()) as Float32Array;
    // Row 1: 1 + (-1) = 0 summed, so Adam leaves it at 0; row 3 moves up by lr (first Adam step).
    expect(Array.from(table)).toEqual([0, 0, 0, 0, 0, 0, expect.closeTo(0.1, 6), expect.closeTo(0.1, 6)]);
    // a contributes, then again before b: the first (abandoned) step is dropped, row 0 never moves.
    const one = grad(1, 1);
    await pool.contribute(a, ids(0), one, 0.1);
    await pool.contribute(a, ids(2), one, 0.1);
    await pool.contribute(b, ids(2), one, 0.1);
    expect(pool.step).toBe(2);
    const after = (await pool.table.data()) as Float32Array;
    expect(Array.from(after.subarray(0, 2))).toEqual([0, 0]);
    // Row 2's first update at global step 2 with both gradients summed (g = 2): torch SparseAdam.
    const [m2, v2] = [(1 - ADAM.beta1) * 2, (1 - ADAM.beta2) * 4];
    const stepSize2 = (0.1 * Math.sqrt(1 - ADAM.beta2 ** 2)) / (1 - ADAM.beta1 ** 2);
    expect(after[4]).toBeCloseTo(-(stepSize2 * m2) / (Math.sqrt(v2) + ADAM.eps), 6);
    await pool.contribute(a, ids(2), one, 0.1);
    await expect(pool.contribute(b, ids(2), one, 0.2)).rejects.toThrow(/different learning rates/);
    one.dispose();
    await expect(pool.contribute({}, ids(2), g2, 0.1)).rejects.toThrow(/non-member/);
    pool.leave(a);
    pool.leave(b);
    pool.dispose();
    g2.dispose();
    // Every id tensor handed in was disposed by the pool, refused ones included.
    expect(tf.memory().numTensors).toBe(tensors);
  });
});

describe('mem_share_values in the config and the URL', () => {
  it('defaults to false (a config without it, e.g. an old checkpoint, reads as false)', () => {
    const result = validateConfig({ mem_layers: [0, 1] });
    expect(result.ok && result.config.mem_share_values).toBe(false);
  });

  it('needs at least 2 memory layers and says so', () => {
    for (const mem_layers of [[], [1]]) {
      const result = validateConfig({ mem_layers, mem_share_values: true });
      expect(result.ok).toBe(false);
      if (!result.ok) {
        expect(result.errors).toHaveLength(1);
        expect(result.errors[0].field).toBe('mem_share_values');
        expect(result.errors[0].related).toEqual(['mem_layers']);
        expect(result.errors[0].message).toMatch(/at least 2 in mem_layers/);
      }
    }
    expect(validateConfig({ mem_layers: [0, 1], mem_share_values: 'yes' }).ok).toBe(false);
    expect(validateConfig({ mem_layers: [0, 1], mem_share_values: true }).ok).toBe(true);
  });

  it('round-trips through the URL hash', () => {
    const config = sharedConfig();
    const hash = configToHash(config);
    expect(hash).toContain('mem_share_values=true');
    const back = configFromHash(hash);
    expect(back.problems).toEqual([]);
    expect(back.config).toEqual(config);
    const bad = configFromHash('mem_layers=1&mem_share_values=true');
    expect(bad.config.mem_share_values).toBe(false);
    expect(bad.problems.join(' ')).toMatch(/mem_share_values/);
  });
});
