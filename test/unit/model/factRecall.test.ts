import { beforeAll, describe, expect, it } from 'vitest';
import { createBatchSampler, knowledgeTextCorpus } from '../../../src/model/corpus/dataset';
import { ATTRIBUTES, generateKnowledgeCorpus } from '../../../src/model/corpus/knowledge';
import { CHANCE_FACT_RECALL, type FactProbe, factRecall, scoreAnswer } from '../../../src/model/factRecall';
import { encode, VOCAB_SIZE } from '../../../src/model/tokenizer';
import { createTrainer } from '../../../src/model/training/trainer';
import { trainFor } from '../../../src/model/training/trainFor';
import { createModel } from '../../../src/model/transformer';
import { tinyConfig } from './tinyConfig';
import { useWasm } from './wasmBackend';

beforeAll(useWasm);

describe('fact recall', () => {
  it('scores only the answer bytes and reaches 100% on a pattern the model has learnt', async () => {
    const config = tinyConfig({ lr: 3e-2 });
    const model = createModel(config);
    const trainer = createTrainer(model, config);
    const text = encode('abcd'.repeat(500));
    const sampler = createBatchSampler(text, config.batch, config.context, 1);
    const probes = [
      { prompt: 'abcdab', answer: 'cd' },
      { prompt: 'bcda', answer: 'bcdab' },
      { prompt: 'abcd'.repeat(5), answer: 'c' }, // longer than the context: its start is cut
    ];
    const before = await factRecall(model, probes);
    await trainFor(trainer, sampler, 60);
    const after = await factRecall(model, probes);
    expect(before.accuracy).toBeLessThan(1);
    expect(after.accuracy).toBeCloseTo(2 / 3, 6); // 'd' is always followed by 'a', never 'c'
    expect(after.answerLoss).toBeLessThan(before.answerLoss);
    expect(after.probes).toBe(3);
    await expect(factRecall(model, [{ prompt: 'a', answer: '' }])).rejects.toThrow(
      /answer must have 1 to 8 bytes/,
    );
    trainer.dispose();
    model.dispose();
  });

  it('a model that has learnt a pattern fully answers every question about it', async () => {
    const config = tinyConfig({ lr: 3e-2 });
    const model = createModel(config);
    const trainer = createTrainer(model, config);
    const sampler = createBatchSampler(encode('abcde'.repeat(400)), config.batch, config.context, 2);
    await trainFor(trainer, sampler, 80);
    // Every answer is the pattern's continuation, so a model that predicts it scores 100%.
    const probes = [
      { prompt: 'abcdeab', answer: 'cde' },
      { prompt: 'eab', answer: 'cdeab' },
      { prompt: 'bcdeabcdea', answer: 'b' },
    ];
    const right = await factRecall(model, probes);
    expect(right.accuracy).toBe(1);
    expect(right.answerLoss).toBeLessThan(0.1);
    // The same questions with one wrong byte each: none is recalled.
    const wrong = await factRecall(
      model,
      probes.map((p) => ({ ...p, answer: `${p.answer.slice(0, -1)}x` })),
    );
    expect(wrong.accuracy).toBe(0);
    trainer.dispose();
    model.dispose();
  });

  it('has one probe per fact of the knowledge corpus', () => {
    const corpus = knowledgeTextCorpus({ seed: 2, entities: 7, repeats: 2 });
    expect(corpus.probes).toHaveLength(35);
    const validation = new TextDecoder().decode(corpus.validation);
    for (const p of corpus.probes!) expect(validation).toContain(`${p.prompt}${p.answer}.`);
  });
});

/** Rows of log-probabilities that put `top` first at every answer byte (a predictor's output). */
function rowsPredicting(top: string): Float32Array {
  const bytes = encode(top);
  const rows = new Float32Array(bytes.length * VOCAB_SIZE).fill(-10);
  bytes.forEach((b, i) => {
    rows[i * VOCAB_SIZE + b] = -0.01;
  });
  return rows;
}

/** The recall a predictor scores: it answers `predict(probe)` (same length as the answer). */
function recallOf(probes: FactProbe[], predict: (p: FactProbe) => string): number {
  const recalled = probes.filter((p) => scoreAnswer(rowsPredicting(predict(p)), encode(p.answer)).recalled);
  return recalled.length / probes.length;
}

describe('the recall score of one answer', () => {
  // Many people, so each attribute's values are close to uniformly represented.
  const corpus = generateKnowledgeCorpus({ seed: 11, entities: 2000, repeats: 1 });
  const probes = corpus.facts.map((f, i) => ({
    prompt: corpus.prompts[i],
    answer: f.value,
    attribute: f.attribute,
  }));

  it('is 100% for a predictor of the right bytes and 0% when one byte is off', () => {
    expect(recallOf(probes, (p) => p.answer)).toBe(1);
    expect(recallOf(probes, (p) => `${p.answer.slice(0, -1)}\u0001`)).toBe(0);
  });

  it('is the uniform rate for a constant answer per attribute (the person ignored)', () => {
    const constant = Object.fromEntries(ATTRIBUTES.map((a) => [a.name, a.values[3]]));
    const rate = recallOf(probes, (p) => {
      const guess = constant[(p as (typeof probes)[number]).attribute];
      // A wrong-length guess is scored over the answer's bytes: pad or cut it.
      return guess.padEnd(p.answer.length, '\u0001').slice(0, p.answer.length);
    });
    // 10,000 facts: the binomial standard error is ~0.25 points.
    expect(rate).toBeGreaterThan(CHANCE_FACT_RECALL - 0.012);
    expect(rate).toBeLessThan(CHANCE_FACT_RECALL + 0.012);
  });

  it('breaks ties towards the lowest byte, so equal scores everywhere recall nothing', () => {
    const flat = new Float32Array(2 * VOCAB_SIZE).fill(-Math.log(VOCAB_SIZE));
    expect(scoreAnswer(flat, encode('ab')).recalled).toBe(false);
    expect(scoreAnswer(flat, [0, 0]).recalled).toBe(true);
    expect(scoreAnswer(flat, encode('ab')).loss).toBeCloseTo(2 * Math.log(VOCAB_SIZE), 4);
    expect(() => scoreAnswer(flat, encode('abc'))).toThrow(/needs 3 rows/);
  });
});
