/**
 * The capacity experiment's arms (one per memory size and fact count, each with its own corpus)
 * and its claims on crafted numbers: the verdicts follow the numbers both ways.
 */
import { describe, expect, it } from 'vitest';
import { getExperiment } from '../../../src/model/experiments/definitions';
import {
  CAPACITY_SIZES,
  capacityLabel,
  PEOPLE_MULTIPLES,
} from '../../../src/model/experiments/definitions/capacity';
import { armTable } from '../../../src/model/experiments/report';
import { armConfigs, resolveScale } from '../../../src/model/experiments/runner';
import type {
  ArmResult,
  ArmSummary,
  ExperimentResult,
  RunResult,
} from '../../../src/model/experiments/types';

const def = getExperiment('capacity');
const PLAN = armConfigs(def, resolveScale(def, 'full'), 1);
/** The full preset's fact counts, smallest first (the claims are checked at the middle one). */
const FACTS = [...new Set(PLAN.map((p) => p.knowledge!.entities * p.knowledge!.attributes))].sort(
  (a, b) => a - b,
);
const SIZES: (number | null)[] = [null, ...CAPACITY_SIZES];

const SUMMARY: ArmSummary = {
  loss: 1,
  perplexity: Math.E,
  usage: null,
  kl_w: null,
  kl_u: null,
  gini_w: null,
  top50_w: null,
  top90_w: null,
  top99_w: null,
  factAccuracy: null,
  surnameAccuracy: null,
  answerLoss: null,
  stepMs: 100,
  inferenceTokensPerSecond: null,
  params: 1000,
};

/** A run that only carries its fact recall (what the claims and the spread column read). */
function run(seed: number, factAccuracy: number): RunResult {
  return { seed, final: { recall: { factAccuracy } } } as unknown as RunResult;
}

/**
 * The full preset's arms with recall[size index][fact index] as their mean; `seeds` gives each
 * arm two runs at mean ± spread.
 */
function arms(recall: (number | null)[][], spread = 0): ArmResult[] {
  return PLAN.map(({ label, config, knowledge }) => {
    const s = SIZES.indexOf(config.mem_layers.length === 0 ? null : config.n_keys);
    const f = FACTS.indexOf(knowledge!.entities * knowledge!.attributes);
    const r = recall[s][f];
    const runs = r === null ? [] : [run(1, r - spread), run(2, r + spread)];
    return { label, config, knowledge, runs, summary: { ...SUMMARY, factAccuracy: r } };
  });
}

const verdicts = (a: ArmResult[]) => Object.fromEntries(def.claims(a).map((c) => [c.id, c.agrees]));

describe('capacity experiment', () => {
  it('has one arm per memory size and fact count, each trained on a corpus of that many facts', () => {
    const plan = PLAN;
    expect(FACTS).toHaveLength(3);
    expect(plan).toHaveLength(SIZES.length * PEOPLE_MULTIPLES.length);
    expect(plan.map((p) => p.label)).toEqual(FACTS.flatMap((f) => SIZES.map((n) => capacityLabel(n, f))));
    for (const p of plan) {
      expect(p.knowledge).toMatchObject({ templates: 6, heldOut: 1, attributes: 5 });
      expect(p.label).toContain(`${p.knowledge!.entities * 5} facts`);
      if (p.label.startsWith('no memory')) expect(p.config.mem_layers).toEqual([]);
      else expect(p.label).toContain(`${p.config.n_keys}² slots`);
    }
    // The quick preset: the same arms on tiny corpora and a tiny model.
    const quick = resolveScale(def, 'quick');
    const quickPlan = armConfigs(def, quick, 1);
    expect(quickPlan).toHaveLength(plan.length);
    expect(quickPlan.map((p) => p.knowledge!.entities)).toEqual(
      PEOPLE_MULTIPLES.flatMap((m) => SIZES.map(() => 8 * m)),
    );
    expect(quick.steps).toBeLessThan(resolveScale(def, 'full').steps);
    expect(quickPlan[0].config.d_model).toBe(32);
  });

  it('agrees when the largest memory holds half the facts, no memory far less, and size helps', () => {
    const good = arms(
      [
        [0.2, 0.1, 0.06],
        [0.6, 0.3, 0.1],
        [0.9, 0.7, 0.3],
        [1, 0.6, 0.4],
      ],
      0.02,
    );
    expect(verdicts(good)).toEqual({
      'largest-recalls-half': true,
      'no-memory-far-below': true,
      'recall-grows-with-size': true,
    });
    const claims = def.claims(good);
    // Checked at the middle fact count; the others draw the curve.
    expect(claims[0].statement).toBe(`256² slots recalls ≥ 50% of ${FACTS[1]} facts`);
    expect(claims[0].observed).toContain('60.0% (seeds 58.0–62.0%)');
    expect(claims[1].observed).toContain('10.0% (seeds 8.0–12.0%) vs 60.0%: 0.17×');
    expect(claims[0].arms).toEqual([capacityLabel(256, FACTS[1])]);
    expect(claims[1].arms).toEqual([capacityLabel(null, FACTS[1]), capacityLabel(256, FACTS[1])]);
  });

  it('disagrees when any of the three fails, on the numbers alone', () => {
    const bad = arms([
      [0.5, 0.2, 0.3],
      [0.4, 0.3, 0.1],
      [0.9, 0.7, 0.3],
      [1, 0.45, 0.9],
    ]);
    // At the middle count 45% < 50%, and no memory's 20% > 0.4 × 45% = 18% (at the largest count
    // 90% would pass: it is not the one checked); 16² (mean 26.7%) is below no memory (33.3%).
    expect(verdicts(bad)).toEqual({
      'largest-recalls-half': false,
      'no-memory-far-below': false,
      'recall-grows-with-size': false,
    });
    // At the boundary: exactly 50% and exactly 0.4× agree.
    const edge = arms([
      [0.2, 0.2, 0.2],
      [0.3, 0.3, 0.3],
      [0.4, 0.4, 0.4],
      [0.5, 0.5, 0.5],
    ]);
    expect(verdicts(edge)).toEqual({
      'largest-recalls-half': true,
      'no-memory-far-below': true,
      'recall-grows-with-size': true,
    });
  });

  it('is undecided without recall numbers, and the table shows facts and the seeds’ spread', () => {
    const missing = arms([
      [0.1, null, 0.1],
      [0.3, 0.3, 0.3],
      [0.4, 0.4, 0.4],
      [0.6, null, 0.6],
    ]);
    expect(verdicts(missing)).toEqual({
      'largest-recalls-half': null,
      'no-memory-far-below': null,
      'recall-grows-with-size': null,
    });
    const good = arms(
      [
        [0.1, 0.1, 0.1],
        [0.3, 0.3, 0.3],
        [0.4, 0.4, 0.4],
        [0.6, 0.6, 0.6],
      ],
      0.05,
    );
    const result = {
      experiment: 'capacity',
      arms: good,
      claims: def.claims(good),
    } as unknown as ExperimentResult;
    const table = armTable(result);
    const row = table.rows.find((r) => r[0] === capacityLabel(64, FACTS[1]))!;
    expect(row[table.headers.indexOf('facts')]).toBe(String(FACTS[1]));
    expect(row[table.headers.indexOf('fact recall')]).toBe('40.0%');
    expect(row[table.headers.indexOf('recall over seeds')]).toBe('35.0–45.0%');
  });
});
