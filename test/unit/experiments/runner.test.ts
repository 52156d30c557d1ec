import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ModelConfig } from '../../../src/model/config';
import { getExperiment } from '../../../src/model/experiments/definitions';
import { armTable, claimTable, markdownReport, plainReport } from '../../../src/model/experiments/report';
import { resultToJson } from '../../../src/model/experiments/resultJson';
import { parseExperimentResult } from '../../../src/model/experiments/results';
import { runExperiment } from '../../../src/model/experiments/runner';
import type { ExperimentResult, Scale } from '../../../src/model/experiments/types';
import { useWasm } from '../model/wasmBackend';

beforeAll(useWasm);

const STEPS = 3;

function checkCommonStructure(result: ExperimentResult) {
  expect(result.mode).toBe('custom');
  expect(result.scale.steps).toBe(STEPS);
  expect(result.seeds).toEqual([1]);
  expect(result.environment.backend).toBe('wasm');
  expect(result.corpus.name).toBe('knowledge');
  expect(result.wallSeconds).toBeGreaterThan(0);
  const def = getExperiment(result.experiment);
  expect(result.arms.map((a) => a.label)).toEqual(
    def.arms(result.arms[0].config, result.scale).map((a) => a.label),
  );
  for (const arm of result.arms) {
    expect(arm.runs).toHaveLength(1);
    const run = arm.runs[0];
    expect(run.seed).toBe(1);
    expect(arm.config.seed).toBe(1);
    // Step 0, then the last step (evalEvery is capped at the step budget).
    expect(run.validationCurve.map(([step]) => step)).toEqual([0, STEPS]);
    expect(run.trainCurve.at(-1)?.[0]).toBe(STEPS);
    expect(Number.isFinite(run.final.loss)).toBe(true);
    expect(run.final.perplexity).toBeCloseTo(Math.exp(run.final.loss), 5);
    expect(run.final.memories).toHaveLength(arm.config.mem_layers.length);
    for (const m of run.final.memories) {
      expect(m.slots).toBe(arm.config.n_keys ** 2);
      expect(m.usage).toBeGreaterThan(0);
      expect(m.usage).toBeLessThanOrEqual(1);
      expect(m.tokens).toBe(run.final.evalTokens);
      expect(m.per_head).toHaveLength(arm.config.heads);
    }
    expect(run.final.recall?.probes).toBeGreaterThan(0);
    expect(run.stepMsMedian).toBeGreaterThan(0);
    expect(arm.summary.loss).toBe(run.final.loss);
    expect(arm.summary.usage).toBe(run.final.memories[0]?.usage ?? null);
  }
  // The verdicts are the definition's, computed from these numbers.
  expect(result.claims).toEqual(def.claims(result.arms));
  expect(result.claims.length).toBeGreaterThan(0);
  for (const c of result.claims) expect(typeof c.agrees === 'boolean' || c.agrees === null).toBe(true);
  // The committed form reads back through the loader, and renders.
  const reread = parseExperimentResult(JSON.parse(resultToJson(result)));
  expect(reread.arms.map((a) => a.label)).toEqual(result.arms.map((a) => a.label));
  expect(armTable(result).rows).toHaveLength(result.arms.length);
  expect(claimTable(result).rows).toHaveLength(result.claims.length);
  expect(plainReport(result)).toContain(result.arms[0].label);
  expect(markdownReport(result)).toMatch(/^### /);
}

describe('runExperiment (quick scale, a few steps)', () => {
  it('depth-vs-memory: trains three configs, times inference, checks the claims, leaks nothing', async () => {
    const before = tf.memory().numTensors;
    const progress: string[] = [];
    const result = await runExperiment('depth-vs-memory', {
      scale: 'quick',
      steps: STEPS,
      onProgress: (m) => progress.push(m),
    });
    expect(tf.memory().numTensors).toBe(before);
    checkCommonStructure(result);
    expect(result.arms.map((a) => a.config.layers)).toEqual([4, 4, 8]);
    expect(result.arms.map((a) => a.config.mem_layers)).toEqual([[2], [], []]);
    for (const arm of result.arms) expect(arm.summary.inferenceTokensPerSecond).toBeGreaterThan(0);
    expect(result.claims.map((c) => c.id)).toEqual(['beats-2L', 'beats-L', 'recalls-more', 'faster-than-2L']);
    for (const c of result.claims) expect(typeof c.agrees).toBe('boolean');
    expect(progress.some((m) => m.includes('timing inference'))).toBe(true);
  });

  it('product-vs-flat: same slots, flat and product keys, no inference timing', async () => {
    const result = await runExperiment('product-vs-flat', { scale: 'quick', steps: STEPS });
    checkCommonStructure(result);
    expect(result.arms.map((a) => a.config.mem_keys)).toEqual(['product', 'flat']);
    expect(result.arms[0].config.n_keys).toBe(result.arms[1].config.n_keys);
    for (const arm of result.arms) expect(arm.summary.inferenceTokensPerSecond).toBeNull();
  });

  it('capacity: each arm trains on its own corpus, with the experiment’s two seeds', async () => {
    const full = getExperiment('capacity');
    // Two of its arms (the smallest and middle fact counts), to keep the test short.
    const keep = ['no memory · 40 facts', '16² slots · 120 facts'];
    const def = {
      ...full,
      arms: (b: ModelConfig, s: Scale) => full.arms(b, s).filter((a) => keep.includes(a.label)),
    };
    const result = await runExperiment(def, { scale: 'quick', steps: STEPS });
    expect(result.seeds).toEqual([1, 2]);
    expect(result.arms.map((a) => a.label)).toEqual(keep);
    expect(result.arms.map((a) => a.knowledge?.entities)).toEqual([8, 24]);
    expect(result.corpus.knowledge).toMatchObject({ entities: 8, templates: 6, heldOut: 1 });
    for (const [i, arm] of result.arms.entries()) {
      expect(arm.runs.map((r) => r.seed)).toEqual([1, 2]);
      // Every fact of the arm's own corpus is asked (40 and 120 facts, under the probe limit).
      for (const run of arm.runs) expect(run.final.recall?.probes).toBe([40, 120][i]);
      const recall = arm.runs.map((r) => r.final.recall!.factAccuracy);
      expect(arm.summary.factAccuracy).toBeCloseTo((recall[0] + recall[1]) / 2, 9);
    }
    expect(result.arms[0].runs[0].final.memories).toHaveLength(0);
    expect(result.arms[1].config.n_keys).toBe(16);
    expect(result.claims).toEqual(full.claims(result.arms));
    const reread = parseExperimentResult(JSON.parse(resultToJson(result)));
    expect(reread.arms[1].knowledge).toEqual(result.arms[1].knowledge);
    const noSize = { ...result, arms: [{ ...result.arms[0], knowledge: { seed: 1 } }] };
    expect(() => parseExperimentResult(JSON.parse(JSON.stringify(noSize)))).toThrow(
      /arm 1 has a knowledge corpus without its size/,
    );
  });

  it('rejects bad options before training anything', async () => {
    await expect(runExperiment('nope')).rejects.toThrow(
      /unknown experiment 'nope' \(experiments: depth-vs-memory/,
    );
    await expect(runExperiment('position', { steps: 0 })).rejects.toThrow(/steps must be a positive integer/);
    await expect(runExperiment('position', { seeds: [] })).rejects.toThrow(/seeds must be a non-empty list/);
  });
});
