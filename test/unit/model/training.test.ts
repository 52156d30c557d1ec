import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ModelConfig } from '../../../src/model/config';
import {
  createBatchSampler,
  knowledgeTextCorpus,
  validationBatches,
} from '../../../src/model/corpus/dataset';
import { evaluate } from '../../../src/model/evaluate';
import { generate, sampleToken } from '../../../src/model/generate';
import { createTrainer, TrainingDivergedError } from '../../../src/model/training/trainer';
import { trainFor } from '../../../src/model/training/trainFor';
import { createModel, type ModelWeights } from '../../../src/model/transformer';
import { tinyConfig } from './tinyConfig';
import { useWasm } from './wasmBackend';

beforeAll(useWasm);

const corpus = knowledgeTextCorpus({ seed: 4, entities: 12, repeats: 3 });

function setup(config: ModelConfig) {
  const model = createModel(config);
  const trainer = createTrainer(model, config);
  const sampler = createBatchSampler(corpus.train, config.batch, config.context, 21);
  const validation = validationBatches(corpus.validation, config.batch, config.context, 4);
  return { model, trainer, sampler, validation };
}

describe('training', () => {
  it('lowers the training and validation loss', async () => {
    const { model, trainer, sampler, validation } = setup(tinyConfig());
    const before = await evaluate(model, validation);
    const losses: number[] = [];
    const summary = await trainFor(trainer, sampler, 80, (r) => {
      losses.push(r.loss);
    });
    const after = await evaluate(model, validation);
    expect(summary.steps).toBe(80);
    expect(summary.totalSteps).toBe(80);
    expect(summary.aborted).toBe(false);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(losses.slice(-10))).toBeLessThan(mean(losses.slice(0, 10)) - 1);
    expect(after.loss).toBeLessThan(before.loss - 1);
    expect(after.perplexity).toBeCloseTo(Math.exp(after.loss), 6);
    expect(after.tokens).toBe(4 * 4 * 8);
    trainer.dispose();
    model.dispose();
  });

  it('stops at a diverging step, keeps the last good weights and says why', async () => {
    // lr 1e9 is far outside the validated range: the trainer itself must survive it.
    const config = { ...tinyConfig(), lr: 1e9, warmup: 0, clip: 0 };
    const { model, trainer, sampler } = setup(config);
    let snapshot: ModelWeights = await model.readWeights();
    let error: unknown;
    for (let i = 0; i < 30 && !error; i++) {
      snapshot = await model.readWeights();
      try {
        await trainer.step(sampler.next());
      } catch (e) {
        error = e;
      }
    }
    expect(error).toBeInstanceOf(TrainingDivergedError);
    const diverged = error as TrainingDivergedError;
    expect(diverged.message).toMatch(
      /^Training diverged at step \d+: the (loss|gradient norm) is (NaN|Infinity|-Infinity)\. The step was not applied/,
    );
    expect(diverged.step).toBe(trainer.steps + 1);
    expect(await model.readWeights()).toEqual(snapshot);
    trainer.dispose();
    model.dispose();
  });

  it('refuses a NaN loss from the first step without touching the weights', async () => {
    const { model, trainer, sampler } = setup(tinyConfig());
    const weights = await model.readWeights();
    weights.dense['blocks.1.ffn.b2'][3] = Number.NaN;
    model.loadWeights(weights);
    // The step's stats are read one step later, or by flush.
    expect(await trainer.step(sampler.next())).toBeNull();
    await expect(trainer.flush()).rejects.toThrow(
      /Training diverged at step 1: the loss is NaN\. The step was not applied; the weights are those after step 0/,
    );
    expect(trainer.steps).toBe(0);
    expect(await model.readWeights()).toEqual(weights);
    trainer.dispose();
    model.dispose();
  });

  it('keeps the tensor count flat over 200 steps', async () => {
    const { model, trainer, sampler, validation } = setup(tinyConfig());
    await trainer.step(sampler.next()); // creates the Adam moments
    await trainer.flush(); // and reads the step's stats: none outstanding, as after trainFor
    const before = tf.memory().numTensors;
    await trainFor(trainer, sampler, 199);
    await evaluate(model, validation);
    await generate(model, { prompt: 'Ka', maxTokens: 4, temperature: 1, seed: 1 });
    expect(tf.memory().numTensors).toBe(before);
    trainer.dispose();
    model.dispose();
  });

  it('evaluates and generates deterministically', async () => {
    const { model, trainer, sampler, validation } = setup(tinyConfig());
    await trainFor(trainer, sampler, 20);
    const a = await evaluate(model, validation);
    const b = await evaluate(model, validation);
    expect(b).toEqual(a);
    const g1 = await generate(model, { prompt: 'Ka', maxTokens: 12, temperature: 0.8, seed: 5 });
    const g2 = await generate(model, { prompt: 'Ka', maxTokens: 12, temperature: 0.8, seed: 5 });
    expect(g1).toEqual(g2);
    expect(g1.tokens).toHaveLength(12);
    const pieces: string[] = [];
    const greedy = await generate(model, {
      prompt: 'A long prompt longer than the context',
      maxTokens: 5,
      temperature: 0,
      seed: 1,
      onToken: (_, text) => pieces.push(text),
    });
    expect(pieces.join('')).toBe(greedy.text);
    await expect(generate(model, { prompt: '', maxTokens: -1, temperature: 0, seed: 1 })).rejects.toThrow(
      /maxTokens must be a whole number/,
    );
    trainer.dispose();
    model.dispose();
  });

  it('samples greedily at temperature 0 and by probability otherwise', () => {
    const logits = Float32Array.from([0, 3, 1]);
    expect(sampleToken(logits, 0, Math.random)).toBe(1);
    expect(sampleToken(logits, 1, () => 0)).toBe(0);
    expect(sampleToken(logits, 1, () => 0.999999)).toBe(2);
    const counts = [0, 0, 0];
    // An evenly spread sequence of uniforms (golden-ratio steps).
    for (let i = 1; i <= 1000; i++) counts[sampleToken(logits, 1, () => (i * 0.6180339887) % 1)]++;
    // softmax([0, 3, 1]) ≈ [0.042, 0.844, 0.114]
    expect(counts[1] / 1000).toBeCloseTo(0.844, 1);
  });

  it('stops between steps when aborted', async () => {
    const { model, trainer, sampler } = setup(tinyConfig());
    const controller = new AbortController();
    const summary = await trainFor(
      trainer,
      sampler,
      50,
      (r) => {
        if (r.step === 3) controller.abort();
      },
      controller.signal,
    );
    // Step 3's stats arrive once step 4 is queued: the abort lands one step later.
    expect(summary).toMatchObject({ steps: 4, totalSteps: 4, aborted: true });
    trainer.dispose();
    model.dispose();
  });
});
