import { beforeAll, describe, expect, it } from 'vitest';
import { MergeError, mergeSeedResults } from '../../../src/model/experiments/mergeSeeds';
import { runExperiment } from '../../../src/model/experiments/runner';
import type { ExperimentResult } from '../../../src/model/experiments/types';
import { useWasm } from '../model/wasmBackend';

beforeAll(useWasm);

const STEPS = 2;
const host = {
  machine: { cpu: 'test', cores: 2, platform: 'test', runtime: 'node' },
  git: { commit: 'abc', dirty: false },
};
const run = (seeds: number[]) =>
  runExperiment('product-vs-flat', { scale: 'quick', steps: STEPS, seeds, host, onProgress: () => {} });

/** What a run's numbers are, without its timings (which differ from run to run). */
function numbers(result: ExperimentResult) {
  return result.arms.map((a) => ({
    label: a.label,
    runs: a.runs.map((r) => ({ seed: r.seed, final: r.final, curve: r.validationCurve })),
    loss: a.summary.loss,
    usage: a.summary.usage,
    recall: a.summary.factAccuracy,
  }));
}

describe('mergeSeedResults', () => {
  let together: ExperimentResult;
  let one: ExperimentResult;
  let two: ExperimentResult;
  beforeAll(async () => {
    [together, one, two] = [await run([1, 2]), await run([1]), await run([2])];
  }, 240_000);

  it('gives the numbers of one run over both seeds', () => {
    const merged = mergeSeedResults([one, two]);
    expect(merged.seeds).toEqual([1, 2]);
    expect(numbers(merged)).toEqual(numbers(together));
    // Summaries are over both seeds, so they differ from either part's.
    expect(merged.arms[0].summary.loss).not.toBe(one.arms[0].summary.loss);
    expect(merged.arms[0].summary.loss).toBeCloseTo(
      (one.arms[0].summary.loss + two.arms[0].summary.loss) / 2,
      12,
    );
    // Claims judged again over both seeds (those on step times differ by timing alone).
    const untimed = (r: ExperimentResult) =>
      r.claims.filter((c) => !/ms\/step/.test(c.observed)).map((c) => c.observed);
    expect(untimed(merged)).toEqual(untimed(together));
    expect(untimed(merged).length).toBeGreaterThan(0);
    expect(merged.wallSeconds).toBe(Math.max(one.wallSeconds, two.wallSeconds));
  });

  it('refuses parts that disagree, naming the part and the cause', () => {
    expect(() => mergeSeedResults([one])).toThrow(MergeError);
    expect(() => mergeSeedResults([one, one], ['a.json', 'b.json'])).toThrow(
      /seed 1 appears in more than one part \(b\.json\)/,
    );
    const otherSteps = { ...two, scale: { ...two.scale, steps: 99 } };
    expect(() => mergeSeedResults([one, otherSteps], ['a', 'b'])).toThrow(/b ran at another scale/);
    const otherCommit = { ...two, environment: { ...two.environment, git: { commit: 'def', dirty: false } } };
    expect(() => mergeSeedResults([one, otherCommit], ['a', 'b'])).toThrow(/b ran at another commit \(def\)/);
    const otherConfig = {
      ...two,
      arms: two.arms.map((a, i) =>
        i === 0 ? { ...a, config: { ...a.config, n_keys: a.config.n_keys * 2 } } : a,
      ),
    };
    expect(() => mergeSeedResults([one, otherConfig], ['a', 'b'])).toThrow(
      /b: config 'product keys' differs/,
    );
  });
});
