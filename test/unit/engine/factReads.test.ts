import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_FACT_READS, readFacts, spreadFactIndices } from '../../../src/engine/factReads';
import type { Run } from '../../../src/engine/run';
import { knowledgeTextCorpus } from '../../../src/model/corpus/dataset';
import { factRecall } from '../../../src/model/factRecall';
import { decode, encode } from '../../../src/model/tokenizer';
import { type TestSession, tinySession } from './harness';

let open: TestSession[] = [];
afterEach(async () => {
  for (const t of open) await t.send({ type: 'init', backend: 'wasm' }); // disposes the model
  open = [];
});

/** The session's run, for calling the engine module directly on its model. */
const runOf = (t: TestSession) => (t.session as unknown as { run: Run }).run;

describe('spreadFactIndices', () => {
  it('spreads over the people with the attributes turning round, every index distinct and in range', () => {
    const picked = spreadFactIndices(300, 5);
    expect(picked).toHaveLength(DEFAULT_FACT_READS);
    expect(new Set(picked).size).toBe(picked.length);
    expect(Math.max(...picked)).toBeLessThan(300);
    expect(new Set(picked.map((i) => i % 5)).size).toBe(5);
    expect(Math.floor(picked.at(-1)! / 5)).toBeGreaterThan(50);
    expect(spreadFactIndices(7, 1)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(spreadFactIndices(12, 5, 100)).toHaveLength(10);
  });
});

describe('EngineSession: factReads', () => {
  it("reads, per fact, the slots a trace of the prompt's last byte reads, and decodes greedily", async () => {
    const t = await tinySession({ layers: 3, mem_layers: [0, 2] });
    open.push(t);
    await t.ok({ type: 'step', count: 6 });
    const probes = knowledgeTextCorpus().probes!;
    const before = tf.memory().numTensors;
    const reads = await t.ok({ type: 'factReads', layer: 2 });
    expect(tf.memory().numTensors).toBe(before);
    expect(reads).toMatchObject({ step: 6, layer: 2, probes: probes.length });
    expect(reads.facts).toHaveLength(DEFAULT_FACT_READS);
    expect(new Set(reads.facts.map((f) => f.attribute)).size).toBe(5);
    for (const f of reads.facts) {
      expect(f).toMatchObject({
        entity: probes[f.index].entity,
        attribute: probes[f.index].attribute,
        prompt: probes[f.index].prompt,
        answer: probes[f.index].answer,
      });
      expect(f.prompt.startsWith(f.entity)).toBe(true);
      const answer = encode(f.answer);
      expect(f.greedy).toHaveLength(answer.length);
      expect(f.greedyText).toBe(decode(f.greedy));
      expect(f.recalled).toBe(f.greedy.every((b, i) => b === answer[i]));
      const last = encode(f.prompt).length - 1;
      const traced = await t.ok({ type: 'trace', text: f.prompt, position: last, layer: 2 });
      expect(f.greedy[0]).toBe(traced.predictions[0].token);
      const heads = traced.layers.find((l) => l.layer === 2)!.trace.heads;
      expect(f.heads).toHaveLength(heads.length);
      heads.forEach((h, k) => {
        expect(f.heads[k].slots, `fact ${f.index} head ${k}`).toEqual(Array.from(h.slots));
        h.weights.forEach((w, j) => {
          expect(f.heads[k].weights[j]).toBeCloseTo(w, 5);
        });
      });
    }
    // A list of facts, and the first memory layer without a layer.
    const two = await t.ok({ type: 'factReads', facts: [7, 0] });
    expect(two.layer).toBe(0);
    expect(two.facts.map((f) => f.index)).toEqual([7, 0]);
    expect(two.facts[0].heads).toHaveLength(2);
  });

  it('counts a fact as recalled exactly when fact recall does, on a model that learned one', async () => {
    // context 32: the whole prompt and answer fit, so fact recall and a trace see the same window.
    const t = await tinySession({ context: 32, lr: 3e-2 });
    open.push(t);
    const text = 'Kavo Ridel lives in Oslo.\n'.repeat(200);
    const name = 'one.txt';
    await t.ok({ type: 'setCorpus', corpus: { kind: 'user', bytes: new TextEncoder().encode(text), name } });
    await t.ok({ type: 'step', count: 150 });
    const refused = await t.send({ type: 'factReads' });
    expect(!refused.ok && refused.error).toMatchObject({ kind: 'corpus', message: /knowledge corpus/ });

    const { model, trainer } = runOf(t);
    const probes = [
      { prompt: 'Kavo Ridel lives in ', answer: 'Oslo', entity: 'Kavo Ridel', attribute: 'city' },
      { prompt: 'Kavo Ridel lives in ', answer: 'Lima', entity: 'Kavo Ridel', attribute: 'city' },
      { prompt: 'Kavo Ridel lives ', answer: 'in O' },
      { prompt: 'Kavo Ridel lives in O', answer: 'slo.' },
      { prompt: 'Kavo', answer: 'x' },
    ];
    const before = tf.memory().numTensors;
    const reads = await readFacts(model, probes, { facts: [0, 1, 2, 3, 4], layer: null }, trainer.steps);
    expect(tf.memory().numTensors).toBe(before);
    expect(reads.facts[0]).toMatchObject({ recalled: true, greedyText: 'Oslo' });
    expect(reads.facts[1]).toMatchObject({ recalled: false, greedyText: 'Oslo' });
    for (const [i, f] of reads.facts.entries()) {
      const alone = await factRecall(model, [probes[i]]);
      expect(f.recalled, probes[i].prompt + probes[i].answer).toBe(alone.accuracy === 1);
    }
    expect(reads.facts[4]).toMatchObject({ entity: '', attribute: '' });
    await expect(readFacts(model, probes, { facts: [5], layer: null }, 0)).rejects.toThrow(
      /fact 5 does not exist: the corpus has 5/,
    );
  });
});
