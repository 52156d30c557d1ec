/**
 * Which corpus an arm trained on against the lab's (the default knowledge corpus): "Open in lab"
 * must not pass off a config trained on other facts as a reproduction of its row.
 */
import { describe, expect, test } from 'vitest';
import { labCorpusFor, sameKnowledge } from '../../../src/app/results/armCorpus';
import { DEFAULT_KNOWLEDGE, resolveKnowledge } from '../../../src/model/corpus/knowledge';
import { getExperiment } from '../../../src/model/experiments/definitions';
import {
  armKnowledge,
  corpusText,
  factCount,
  resultCorpusText,
} from '../../../src/model/experiments/resultCorpus';
import { armConfigs, resolveScale } from '../../../src/model/experiments/runner';
import type { ArmResult, ExperimentResult } from '../../../src/model/experiments/types';

const withCorpus = (armKnowledge: unknown, shared: unknown = { seed: 2019, entities: 400, repeats: 8 }) => {
  const arm = { label: 'a', knowledge: armKnowledge } as ArmResult;
  return {
    result: { corpus: { name: 'knowledge', knowledge: shared }, arms: [arm] } as unknown as ExperimentResult,
    arm,
  };
};

describe('armKnowledge', () => {
  test('a result from before the size options trained on 5 attributes, 3 wordings, 1 held out', () => {
    const { result, arm } = withCorpus(undefined);
    expect(armKnowledge(result, arm)).toEqual({
      seed: 2019,
      entities: 400,
      repeats: 8,
      attributes: 5,
      templates: 3,
      heldOut: 1,
    });
  });

  test('an arm’s own corpus wins over the experiment’s; an unreadable one is null', () => {
    const own = resolveKnowledge({ entities: 20, repeats: 40, templates: 6 });
    expect(armKnowledge(withCorpus(own).result, withCorpus(own).arm)).toEqual(own);
    const bad = withCorpus({ seed: 1, entities: -3, repeats: 1 });
    expect(armKnowledge(bad.result, bad.arm)).toBeNull();
  });
});

describe('labCorpusFor', () => {
  test('the default corpus is the lab’s: the same options match, any other field does not', () => {
    const same = withCorpus(resolveKnowledge());
    expect(labCorpusFor(same.result, same.arm)).toEqual({ same: true });
    for (const change of [{ entities: 7 }, { repeats: 3 }, { seed: 5 }, { attributes: 2 }]) {
      const other = resolveKnowledge({ ...DEFAULT_KNOWLEDGE, ...change });
      const { result, arm } = withCorpus(other);
      expect(labCorpusFor(result, arm)).toEqual({ same: false, lab: resolveKnowledge(), arm: other });
    }
    const unreadable = withCorpus({ entities: 'many' });
    expect(labCorpusFor(unreadable.result, unreadable.arm)).toMatchObject({ same: false, arm: null });
  });

  test('capacity: only the arms on the 300-fact task match a default that is that task', () => {
    const def = getExperiment('capacity');
    const plan = armConfigs(def, resolveScale(def, 'full'), 1);
    // The default the lab is moving to: the capacity experiment's 300-fact task.
    const task = resolveKnowledge({ entities: 60, repeats: 40, templates: 6, heldOut: 1 });
    const matching = plan.filter((p) => sameKnowledge(p.knowledge!, task)).map((p) => p.label);
    expect(matching).toEqual(
      ['no memory', '16² slots', '64² slots', '256² slots'].map((m) => `${m} · 300 facts`),
    );
    // Against today's default: those arms once it is the task, none before (no arm trains on 2,000 facts).
    const today = plan.filter((p) => labCorpusFor({} as ExperimentResult, p as unknown as ArmResult).same);
    expect(today.map((p) => p.label)).toEqual(sameKnowledge(resolveKnowledge(), task) ? matching : []);
  });
});

test('corpusText names facts, people, repeats and wordings', () => {
  const k = resolveKnowledge({ entities: 60, repeats: 40, templates: 6, heldOut: 1 });
  expect(factCount(k)).toBe(300);
  expect(corpusText(k)).toBe('300 facts (60 people × 5 attributes, each stated 40 times in 5 of 6 wordings)');
});

test('resultCorpusText says which facts a result is about: one corpus, or each config its own', () => {
  const old = withCorpus(undefined);
  expect(resultCorpusText(old.result)).toBe(
    'the knowledge corpus, 2,000 facts (400 people × 5 attributes, each stated 8 times in 2 of 3 wordings)',
  );
  const own = (entities: number) =>
    ({
      label: `${entities}`,
      knowledge: resolveKnowledge({ entities, repeats: 40, templates: 6 }),
    }) as ArmResult;
  const capacity = {
    corpus: { name: 'knowledge', knowledge: resolveKnowledge() },
    arms: [own(20), own(60), own(20), own(180)],
  } as unknown as ExperimentResult;
  expect(resultCorpusText(capacity)).toBe(
    'each config its own knowledge corpus, 100, 300, 900 facts (20, 60, 180 people × 5 attributes, each stated 40 times in 5 of 6 wordings)',
  );
  const text = {
    corpus: { name: 'notes.txt', knowledge: resolveKnowledge() },
    arms: [],
  } as unknown as ExperimentResult;
  expect(resultCorpusText(text)).toBe('notes.txt');
});
