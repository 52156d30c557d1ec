/**
 * Every experiment's claims on hand-made summaries: the verdicts follow the numbers in both
 * directions (nothing is hard-coded), and rows show the verdicts of the claims about them.
 */
import { describe, expect, it } from 'vitest';
import { EXPERIMENT_NAMES, getExperiment } from '../../../src/model/experiments/definitions';
import { armTable } from '../../../src/model/experiments/report';
import { armConfigs, resolveScale } from '../../../src/model/experiments/runner';
import type {
  ArmResult,
  ArmSummary,
  ExperimentName,
  ExperimentResult,
} from '../../../src/model/experiments/types';
import { CHANCE_FACT_RECALL } from '../../../src/model/factRecall';

const SUMMARY: ArmSummary = {
  loss: 1,
  perplexity: Math.E,
  usage: 0.5,
  kl_w: 1,
  kl_u: 1,
  gini_w: 0.5,
  top50_w: 10,
  top90_w: 50,
  top99_w: 90,
  factAccuracy: 0.2,
  surnameAccuracy: 0.3,
  answerLoss: 2,
  stepMs: 100,
  inferenceTokensPerSecond: 1000,
  params: 1000,
};

/** Arms of the full preset with the given summary fields per label. */
function arms(name: ExperimentName, fields: Record<string, Partial<ArmSummary>>): ArmResult[] {
  const def = getExperiment(name);
  return armConfigs(def, resolveScale(def, 'full'), 1).map(({ label, config, knowledge }) => {
    const f = fields[label] ?? {};
    const summary = { ...SUMMARY, ...f };
    if (f.loss !== undefined && f.perplexity === undefined) summary.perplexity = Math.exp(f.loss);
    return { label, config, ...(knowledge ? { knowledge } : {}), runs: [], summary };
  });
}

function verdicts(name: ExperimentName, fields: Record<string, Partial<ArmSummary>>) {
  return Object.fromEntries(
    getExperiment(name)
      .claims(arms(name, fields))
      .map((c) => [c.id, c.agrees]),
  );
}

describe('experiment claims', () => {
  it('every experiment has configs that validate and at least one claim', () => {
    for (const name of EXPERIMENT_NAMES) {
      const def = getExperiment(name);
      for (const scale of ['full', 'quick'] as const) {
        const configs = armConfigs(def, resolveScale(def, scale), 1);
        expect(configs.length).toBeGreaterThanOrEqual(2);
        expect(new Set(configs.map((c) => c.label)).size).toBe(configs.length);
      }
      expect(def.claims(arms(name, {})).length).toBeGreaterThan(0);
    }
  });

  it('depth-vs-memory follows loss, recall and speed', () => {
    const good = verdicts('depth-vs-memory', {
      'memory 4L': { loss: 0.9, factAccuracy: 0.7, inferenceTokensPerSecond: 2000 },
      'baseline 4L': { loss: 1.0, factAccuracy: 0.1, inferenceTokensPerSecond: 2500 },
      'baseline 8L': { loss: 0.95, factAccuracy: 0.3, inferenceTokensPerSecond: 1000 },
    });
    expect(good).toEqual({ 'beats-2L': true, 'beats-L': true, 'recalls-more': true, 'faster-than-2L': true });
    const bad = verdicts('depth-vs-memory', {
      'memory 4L': { loss: 0.97, factAccuracy: 0.2, inferenceTokensPerSecond: 900 },
      'baseline 4L': { loss: 0.96, factAccuracy: 0.1, inferenceTokensPerSecond: 2500 },
      'baseline 8L': { loss: 0.95, factAccuracy: 0.3, inferenceTokensPerSecond: 1000 },
    });
    expect(bad).toEqual({
      'beats-2L': false,
      'beats-L': false,
      'recalls-more': false,
      'faster-than-2L': false,
    });
    const unknown = verdicts('depth-vs-memory', {
      'memory 4L': { inferenceTokensPerSecond: null, factAccuracy: null },
    });
    expect(unknown['faster-than-2L']).toBeNull();
    expect(unknown['recalls-more']).toBeNull();
  });

  it('query-norm follows usage and perplexity', () => {
    expect(
      verdicts('query-norm', {
        batchnorm: { usage: 0.8, loss: 0.9 },
        layernorm: { usage: 0.7 },
        none: { usage: 0.3, loss: 1 },
      }),
    ).toEqual({ 'batchnorm-usage': true, 'layernorm-usage': true, 'batchnorm-perplexity': true });
    expect(
      verdicts('query-norm', {
        batchnorm: { usage: 0.2, loss: 1.1 },
        layernorm: { usage: 0.3 },
        none: { usage: 0.3, loss: 1 },
      }),
    ).toEqual({ 'batchnorm-usage': false, 'layernorm-usage': false, 'batchnorm-perplexity': false });
  });

  it('product-vs-flat needs twice the usage and a faster step', () => {
    expect(
      verdicts('product-vs-flat', {
        'product keys': { usage: 0.9, stepMs: 100 },
        'flat keys': { usage: 0.2, stepMs: 300 },
      }),
    ).toEqual({ 'product-usage': true, 'product-step-time': true });
    expect(
      verdicts('product-vs-flat', {
        'product keys': { usage: 0.5, stepMs: 300 },
        'flat keys': { usage: 0.3, stepMs: 100 },
      }),
    ).toEqual({ 'product-usage': false, 'product-step-time': false });
  });

  it('heads-x-k accepts a usage spread of up to 10 points', () => {
    const usages = (u: number[]) =>
      verdicts(
        'heads-x-k',
        Object.fromEntries(['1×32', '2×16', '4×8', '8×4'].map((l, i) => [l, { usage: u[i] }])),
      );
    expect(usages([0.7, 0.72, 0.75, 0.79])['same-usage']).toBe(true);
    expect(usages([0.5, 0.72, 0.75, 0.79])['same-usage']).toBe(false);
  });

  it('position finds the best and worst block from the perplexities', () => {
    const ppl = (p: number[]) =>
      verdicts(
        'position',
        Object.fromEntries(p.map((v, i) => [`memory in block ${i + 1} of 4`, { perplexity: v }])),
      );
    expect(ppl([3, 2.5, 2.4, 2.6])).toEqual({ 'best-intermediate': true, 'first-worst': true });
    expect(ppl([2.3, 2.5, 2.4, 2.6])).toEqual({ 'best-intermediate': false, 'first-worst': false });
    expect(ppl([2.6, 2.5, 2.4, 2.2])['best-intermediate']).toBe(false);
  });

  it('memory-size follows perplexity and recall across sizes', () => {
    const labels = ['16² slots', '32² slots', '64² slots', '128² slots', '256² slots'];
    const sizes = (p: number[], r: number[], s: number[]) =>
      verdicts(
        'memory-size',
        Object.fromEntries(
          labels.map((l, i) => [l, { perplexity: p[i], factAccuracy: r[i], surnameAccuracy: s[i] }]),
        ),
      );
    const rising = [0.1, 0.2, 0.3, 0.4, 0.5];
    const falling = [0.5, 0.2, 0.3, 0.4, 0.1];
    expect(sizes([3, 2.9, 2.8, 2.7, 2.6], rising, rising)).toEqual({
      'largest-beats-smallest': true,
      monotonic: true,
      'recall-grows': true,
      'surname-recall-grows': true,
    });
    expect(sizes([3, 2.9, 2.95, 2.7, 2.8], rising, falling)).toEqual({
      'largest-beats-smallest': true,
      monotonic: false,
      'recall-grows': true,
      'surname-recall-grows': false,
    });
    expect(sizes([2.5, 2.9, 2.8, 2.7, 2.6], falling, rising)).toEqual({
      'largest-beats-smallest': false,
      monotonic: false,
      'recall-grows': false,
      'surname-recall-grows': true,
    });
  });

  it('memory-size does not judge surname growth at the ceiling, and says so', () => {
    const labels = ['16² slots', '32² slots', '64² slots', '128² slots', '256² slots'];
    const all = Object.fromEntries(labels.map((l) => [l, { surnameAccuracy: 1 }]));
    const claim = getExperiment('memory-size')
      .claims(arms('memory-size', all))
      .find((c) => c.id === 'surname-recall-grows');
    expect(claim?.agrees).toBeNull();
    expect(claim?.note).toMatch(/already recalls 100\.0% of the surnames.*not tested/);
    const below = { ...all, '16² slots': { surnameAccuracy: 0.98 } };
    expect(verdicts('memory-size', below)['surname-recall-grows']).toBe(true);
  });

  it('memory-size says when fact recall is near a uniform guess', () => {
    const near = arms('memory-size', {}).map((a) => ({
      ...a,
      summary: { ...a.summary, factAccuracy: CHANCE_FACT_RECALL * 1.1 },
    }));
    const claim = getExperiment('memory-size')
      .claims(near)
      .find((c) => c.id === 'recall-grows');
    expect(claim?.note).toMatch(/near a uniform guess \(5\.2%\)/);
    const learnt = near.map((a, i) => ({ ...a, summary: { ...a.summary, factAccuracy: 0.2 + i / 10 } }));
    expect(
      getExperiment('memory-size')
        .claims(learnt)
        .find((c) => c.id === 'recall-grows')?.note,
    ).toBeUndefined();
  });

  it('a row shows yes, no or partly from the claims that name it', () => {
    const armList = arms('depth-vs-memory', {
      'memory 4L': { loss: 0.9, factAccuracy: 0.7, inferenceTokensPerSecond: 500 },
      'baseline 8L': { loss: 0.95, factAccuracy: 0.3, inferenceTokensPerSecond: 1000 },
    });
    const result = {
      experiment: 'depth-vs-memory',
      arms: armList,
      claims: getExperiment('depth-vs-memory').claims(armList),
    } as unknown as ExperimentResult;
    const table = armTable(result);
    const verdictColumn = table.headers.indexOf('agrees with paper');
    // memory 4L: beats both baselines and recalls more (yes × 3) but is slower (no) → partly.
    expect(table.rows.map((r) => r[verdictColumn])).toEqual(['partly', 'yes', 'partly']);
  });
});
