import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createBatchSampler,
  knowledgeTextCorpus,
  validationBatches,
} from '../../../src/model/corpus/dataset';
import { evaluate } from '../../../src/model/evaluate';
import { generate } from '../../../src/model/generate';
import { memorySpecFromConfig } from '../../../src/model/memory/spec';
import { memoryParameterCounts } from '../../../src/model/parameterCounts';
import { createTrainer, TrainingDivergedError } from '../../../src/model/training/trainer';
import { trainFor } from '../../../src/model/training/trainFor';
import { createModel } from '../../../src/model/transformer';
import { tinyConfig } from './tinyConfig';
import { useWasm } from './wasmBackend';

beforeAll(useWasm);

/** Two blocks, the second with a 16×16-slot product-key memory. */
const memConfig = (overrides = {}) =>
  tinyConfig({ mem_layers: [1], n_keys: 16, knn: 4, heads: 2, k_dim: 8, value_lr: 5e-2, ...overrides });
const corpus = knowledgeTextCorpus({ seed: 4, entities: 12, repeats: 3 });

describe('transformer with a memory block', () => {
  it('replaces the feed-forward of mem_layers and counts the memory by part', () => {
    const config = memConfig();
    const model = createModel(config);
    expect(model.memories).toHaveLength(1);
    const counts = model.parameterCounts();
    expect(counts.blocks.map((b) => b.kind)).toEqual(['ffn', 'memory']);
    expect(counts.blocks[1].ffn).toBe(0);
    const memory = memoryParameterCounts(memorySpecFromConfig(config));
    expect(counts.blocks[1].memory).toEqual(memory);
    // query 16·16+16, batchnorm affine 2·16, sub-keys 2·2·16·4, values 256·16.
    expect(memory).toEqual({ query: 272, norm: 32, keys: 256, values: 4096, plus: 0, total: 4656 });
    const own = model.ownVariables().reduce((n, v) => n + v.size, 0);
    const memDense = model.memories[0].denseVariables().reduce((n, v) => n + v.size, 0);
    expect(own + memDense).toBe(counts.dense);
    expect(counts.memoryValues).toBe(4096);
    expect(counts.total).toBe(counts.dense + 4096);
    model.dispose();
  });

  it('trains (loss falls), reports reads in eval and keeps the tensor count flat', async () => {
    const config = memConfig();
    const model = createModel(config);
    const trainer = createTrainer(model, config);
    const sampler = createBatchSampler(corpus.train, config.batch, config.context, 8);
    const validation = validationBatches(corpus.validation, config.batch, config.context, 4);
    const before = await evaluate(model, validation);
    const valuesBefore = (await model.readWeights()).memories[0].values;
    await trainFor(trainer, sampler, 2);
    const tensors = tf.memory().numTensors;
    const summary = await trainFor(trainer, sampler, 198);
    const after = await evaluate(model, validation, { collectReads: true });
    await generate(model, { prompt: 'Ka', maxTokens: 3, temperature: 1, seed: 2 });
    expect(tf.memory().numTensors).toBe(tensors);
    expect(summary.lastLoss).toBeLessThan(summary.firstLoss - 1);
    expect(after.loss).toBeLessThan(before.loss - 1);
    // Sparse value training changed some rows and left others alone.
    const valuesAfter = (await model.readWeights()).memories[0].values;
    const changedRows = new Set<number>();
    valuesAfter.forEach((v, i) => {
      if (v !== valuesBefore[i]) changedRows.add(Math.floor(i / 16));
    });
    expect(changedRows.size).toBeGreaterThan(10);
    expect(changedRows.size).toBeLessThan(256);
    const [reads] = after.memories;
    expect(reads).toMatchObject({ layer: 1, heads: 2, knn: 4, slotCount: 256 });
    expect(reads.slots).toHaveLength(after.tokens * 2 * 4);
    expect(reads.slots.every((s) => s >= 0 && s < 256)).toBe(true);
    // Each (token, head) row of weights is a softmax.
    for (let r = 0; r < 10; r++) {
      const row = reads.weights.subarray(r * 4, r * 4 + 4);
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    }
    expect(await evaluate(model, validation, { collectReads: true })).toEqual(after);
    trainer.dispose();
    model.dispose();
  });

  it('is causal in eval mode and round-trips its weights, memory included', async () => {
    const config = memConfig();
    const model = createModel(config);
    const trainer = createTrainer(model, config);
    await trainFor(trainer, createBatchSampler(corpus.train, config.batch, config.context, 3), 5);
    const logits = async (row: number[]) => {
      const t = tf.tidy(() => model.forward(tf.tensor2d([row], undefined, 'int32'), 'eval').logits);
      const data = (await t.data()) as Float32Array;
      t.dispose();
      return data;
    };
    const a = await logits([75, 97, 118, 111, 32, 82, 105, 100]);
    const b = await logits([75, 97, 118, 111, 32, 0, 0, 0]);
    for (let i = 0; i < 5 * 256; i++) expect(Math.abs(a[i] - b[i])).toBeLessThan(1e-5);
    const weights = await model.readWeights();
    const copy = createModel(memConfig({ seed: 77 }), { weights });
    expect(await copy.readWeights()).toEqual(weights);
    const other = createModel(memConfig({ seed: 78 }));
    other.loadWeights(weights);
    expect(await other.readWeights()).toEqual(weights);
    expect(() => other.loadWeights({ ...weights, memories: [] })).toThrow(/0 memories given, 1 expected/);
    // Bad memory weights leave nothing allocated behind.
    const tensors = tf.memory().numTensors;
    const broken = { ...weights, memories: [{ ...weights.memories[0], values: new Float32Array(3) }] };
    expect(() => createModel(memConfig(), { weights: broken })).toThrow(/values/);
    expect(tf.memory().numTensors).toBe(tensors);
    for (const m of [model, copy, other]) m.dispose();
    trainer.dispose();
  });

  it('stops a diverging memory model without applying the step', async () => {
    const config = memConfig();
    const model = createModel(config);
    const trainer = createTrainer(model, config);
    const weights = await model.readWeights();
    // The memory module refuses NaN weights; a NaN in the norm before it reaches it through its input.
    weights.dense['blocks.1.ln2.beta'][0] = Number.NaN;
    model.loadWeights(weights);
    const sampler = createBatchSampler(corpus.train, config.batch, config.context, 3);
    expect(await trainer.step(sampler.next())).toBeNull();
    await expect(trainer.flush()).rejects.toBeInstanceOf(TrainingDivergedError);
    expect(await model.readWeights()).toEqual(weights);
    trainer.dispose();
    model.dispose();
  });
});
