import { beforeAll, describe, expect, it } from 'vitest';
import { createBatchSampler, knowledgeTextCorpus } from '../../../src/model/corpus/dataset';
import { factRecall } from '../../../src/model/factRecall';
import { encode } from '../../../src/model/tokenizer';
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

  it('has one probe per fact of the knowledge corpus', () => {
    const corpus = knowledgeTextCorpus({ seed: 2, entities: 7, repeats: 2 });
    expect(corpus.probes).toHaveLength(35);
    const validation = new TextDecoder().decode(corpus.validation);
    for (const p of corpus.probes!) expect(validation).toContain(`${p.prompt}${p.answer}.`);
  });
});
