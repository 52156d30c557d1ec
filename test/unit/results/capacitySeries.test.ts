/**
 * The capacity result as the curve's series: grouped by memory size (no memory first), points by
 * fact count, recall per seed in the result's seed order, with gaps where a seed has no value.
 */
import { describe, expect, test } from 'vitest';
import { capacitySeries } from '../../../src/app/results/capacitySeries';
import { DEFAULT_CONFIG, type ModelConfig } from '../../../src/model/config';
import { type KnowledgeOptions, resolveKnowledge } from '../../../src/model/corpus/knowledge';
import type { ArmResult, ExperimentResult, RunResult } from '../../../src/model/experiments/types';

const corpus = (entities: number): KnowledgeOptions =>
  resolveKnowledge({ entities, repeats: 40, templates: 6, heldOut: 1 });

function config(n_keys: number | null): ModelConfig {
  return n_keys === null
    ? { ...DEFAULT_CONFIG, ffn_mult: 1, mem_layers: [] }
    : { ...DEFAULT_CONFIG, ffn_mult: 1, n_keys };
}

/** A run carrying only its fact recall (null: evaluated without recall). */
function run(seed: number, factAccuracy: number | null): RunResult {
  return {
    seed,
    final: { recall: factAccuracy === null ? null : { factAccuracy } },
  } as unknown as RunResult;
}

function arm(n_keys: number | null, entities: number, runs: RunResult[]): ArmResult {
  return {
    label: `${n_keys ?? 'none'} · ${entities}`,
    config: config(n_keys),
    knowledge: corpus(entities),
    runs,
  } as unknown as ArmResult;
}

function result(arms: ArmResult[], seeds = [1, 2]): ExperimentResult {
  return {
    experiment: 'capacity',
    seeds,
    arms,
    corpus: { knowledge: corpus(20) },
  } as unknown as ExperimentResult;
}

describe('capacitySeries', () => {
  test('one series per memory size, no memory first; facts = people × 5 attributes, ascending', () => {
    // Arms deliberately out of order; runs listed seed 2 first.
    const series = capacitySeries(
      result([
        arm(64, 60, [run(2, 0.5), run(1, 0.7)]),
        arm(null, 180, [run(1, 0.05), run(2, 0.07)]),
        arm(64, 20, [run(1, 0.9), run(2, 0.8)]),
        arm(16, 20, [run(1, 0.4), run(2, 0.3)]),
        arm(null, 20, [run(1, 0.25), run(2, 0.2)]),
      ]),
    );
    expect(series).toEqual([
      {
        label: 'no memory',
        points: [
          { facts: 100, recall: [0.25, 0.2] },
          { facts: 900, recall: [0.05, 0.07] },
        ],
      },
      { label: '16² slots', points: [{ facts: 100, recall: [0.4, 0.3] }] },
      {
        label: '64² slots',
        points: [
          { facts: 100, recall: [0.9, 0.8] },
          { facts: 300, recall: [0.7, 0.5] },
        ],
      },
    ]);
  });

  test('a seed without a run, without recall or with a non-finite value is null, not dropped', () => {
    const series = capacitySeries(
      result(
        [arm(256, 20, [run(1, 0.6)]), arm(256, 60, [run(3, Number.NaN), run(1, null), run(2, 0.4)])],
        [1, 2, 3],
      ),
    );
    expect(series).toEqual([
      {
        label: '256² slots',
        points: [
          { facts: 100, recall: [0.6, null, null] },
          { facts: 300, recall: [null, 0.4, null] },
        ],
      },
    ]);
  });

  test('an arm without its own corpus sits at the experiment’s fact count', () => {
    const shared = { ...arm(16, 60, [run(1, 0.5)]), knowledge: undefined };
    expect(capacitySeries(result([shared], [1]))).toEqual([
      { label: '16² slots', points: [{ facts: 100, recall: [0.5] }] },
    ]);
  });
});
