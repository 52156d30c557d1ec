import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { armRows } from '../../../src/app/results/armRows';
import { COMMITTED_RESULTS } from '../../../src/app/results/committedResults';
import { READINGS } from '../../../src/app/results/readings';
import {
  collectResults,
  fileStem,
  meanValidationCurve,
  runCommand,
  runFacts,
  verdictCounts,
} from '../../../src/app/results/resultEntries';
import { EXPERIMENT_NAMES } from '../../../src/model/experiments/definitions';
import type { ExperimentResult } from '../../../src/model/experiments/types';

const DIR = join(import.meta.dirname, '../../../experiments/results');
const committedFiles = readdirSync(DIR).filter((f) => f.endsWith('.json'));
const read = (file: string): ExperimentResult => JSON.parse(readFileSync(join(DIR, file), 'utf8'));
const first = read(committedFiles[0]);
/** A committed result of one seed (capacity has two). */
const oneSeed = committedFiles.map(read).find((r) => r.seeds.length === 1)!;
const path = (name: string) => `/experiments/results/${name}.json`;

describe('collectResults', () => {
  test('lays the entries out in the canonical order, whatever order the files come in', () => {
    const modules = Object.fromEntries(
      [...committedFiles].reverse().map((f) => [path(fileStem(f)), read(f)]),
    );
    const { entries, strays } = collectResults(modules);
    expect(entries.map((e) => e.name)).toEqual([
      'depth-vs-memory',
      'query-norm',
      'product-vs-flat',
      'heads-x-k',
      'position',
      'memory-size',
      'capacity',
    ]);
    expect(strays).toEqual([]);
    for (const e of entries) {
      const committed = committedFiles.includes(`${e.name}.json`);
      expect(e.status).toBe(committed ? 'ok' : 'missing');
      if (e.status === 'ok') {
        expect(e.result.experiment).toBe(e.name);
        expect(e.source).toBe(`experiments/results/${e.name}.json`);
      }
    }
  });

  test('accepts namespace modules ({ default: json }) as well as the JSON itself', () => {
    const { entries } = collectResults({ [path(first.experiment)]: { default: first } });
    expect(entries.find((e) => e.name === first.experiment)?.status).toBe('ok');
  });

  test('a malformed file is an error for its experiment only; the others still load', () => {
    const broken = { ...first, schema: 99 };
    const others = committedFiles.filter((f) => fileStem(f) !== first.experiment);
    const { entries } = collectResults({
      [path(first.experiment)]: broken,
      ...Object.fromEntries(others.map((f) => [path(fileStem(f)), read(f)])),
    });
    const bad = entries.find((e) => e.name === first.experiment)!;
    expect(bad.status).toBe('error');
    if (bad.status === 'error') {
      expect(bad.message).toMatch(/experiments\/results\/.*\.json is not an experiment result: schema 99/);
    }
    expect(entries.filter((e) => e.status === 'ok').length).toBe(others.length);
  });

  test('arms without runs, a non-object, and a result filed under another name are errors', () => {
    const noRuns = { ...first, arms: first.arms.map((a) => ({ ...a, runs: [] })) };
    const other = EXPERIMENT_NAMES.find((n) => n !== first.experiment)!;
    const { entries } = collectResults({
      [path(first.experiment)]: noRuns,
      [path(other)]: first,
      [path('position')]: 'not json',
    });
    const byName = Object.fromEntries(entries.map((e) => [e.name, e]));
    expect(byName[first.experiment]).toMatchObject({ status: 'error', message: /arm 1 has no runs/ });
    expect(byName[other]).toMatchObject({
      status: 'error',
      message: new RegExp(`holds the result of '${first.experiment}', not of '${other}'`),
    });
    if (other !== 'position') {
      expect(byName.position).toMatchObject({ status: 'error', message: /not a JSON object/ });
    }
  });

  test('a file that names no experiment is reported as a stray, not dropped', () => {
    const { entries, strays } = collectResults({ '/experiments/results/notes.json': first });
    expect(entries.every((e) => e.status === 'missing')).toBe(true);
    expect(strays).toEqual([
      { source: 'experiments/results/notes.json', message: expect.stringMatching(/names no experiment/) },
    ]);
  });
});

describe('the committed results (bundled through import.meta.glob)', () => {
  test('every committed file loads without error, and only those', () => {
    const ok = COMMITTED_RESULTS.entries.filter((e) => e.status === 'ok').map((e) => e.name);
    expect(ok.sort()).toEqual(committedFiles.map(fileStem).sort());
    expect(COMMITTED_RESULTS.entries.some((e) => e.status === 'error')).toBe(false);
    expect(COMMITTED_RESULTS.strays).toEqual([]);
  });

  test('readings exist exactly for the experiments with committed results', () => {
    expect(Object.keys(READINGS).sort()).toEqual(committedFiles.map(fileStem).sort());
  });
});

describe('what a section shows', () => {
  test('verdict counts add up to the claims', () => {
    const c = verdictCounts(first);
    expect(c.agrees + c.disagrees + c.undecided).toBe(first.claims.length);
    const flipped = {
      ...first,
      claims: first.claims.map((x, i) => ({ ...x, agrees: i === 0 ? null : false })),
    };
    expect(verdictCounts(flipped)).toEqual({ agrees: 0, disagrees: first.claims.length - 1, undecided: 1 });
  });

  test('the run command and the footer facts', () => {
    expect(runCommand('heads-x-k')).toBe('npm run -s pkm -- experiment heads-x-k');
    const facts = runFacts(first);
    expect(facts[0]).toBe(`${first.scale.steps.toLocaleString('en')} steps per config`);
    expect(facts).toContain(`${first.environment.backend} backend`);
    expect(facts).toContain(`mode ${first.mode}`);
    expect(facts.join(' ')).toContain(first.environment.git!.commit.slice(0, 10));
  });

  test('the validation curve of one seed is its own; of two seeds, the mean at the shared steps', () => {
    const arm = oneSeed.arms[0];
    expect(meanValidationCurve(oneSeed, arm.label)).toEqual({
      steps: arm.runs[0].validationCurve.map(([s]) => s),
      loss: arm.runs[0].validationCurve.map(([, l]) => l),
    });
    const run = arm.runs[0];
    const twin = {
      ...run,
      seed: 2,
      validationCurve: run.validationCurve.slice(0, -1).map(([s, l]): [number, number] => [s, l + 1]),
    };
    const two = { ...oneSeed, arms: [{ ...arm, runs: [run, twin] }] };
    const mean = meanValidationCurve(two, arm.label);
    expect(mean.steps).toEqual(run.validationCurve.slice(0, -1).map(([s]) => s));
    expect(mean.loss[0]).toBeCloseTo(run.validationCurve[0][1] + 0.5, 9);
    expect(() => meanValidationCurve(first, 'nope')).toThrow(/no arm labelled 'nope'/);
  });

  test('the arm table has the common columns, the experiment’s own, and one row per arm', () => {
    for (const file of committedFiles) {
      const result = read(file);
      const table = armRows(result);
      const headers = table.columns.map((c) => c.header);
      expect(headers.slice(0, 7)).toEqual(['params', 'val loss', 'ppl', 'usage', 'KL', 'Gini', 'step ms']);
      expect(new Set(headers).size).toBe(headers.length);
      expect(headers.includes('tokens/s')).toBe(
        result.arms.some((a) => a.summary.inferenceTokensPerSecond !== null),
      );
      expect(table.rows.map((r) => r.label)).toEqual(result.arms.map((a) => a.label));
      for (const [i, row] of table.rows.entries()) {
        const s = result.arms[i].summary;
        expect(row.cells[1].value).toBe(s.loss);
        expect(row.cells[1].text).toBe(s.loss.toFixed(4));
        expect(row.cells[3].text).toBe(s.usage === null ? '–' : `${(100 * s.usage).toFixed(1)}%`);
        expect(['yes', 'no', 'partly', '-']).toContain(row.verdict);
      }
    }
  });

  test('a row is yes when all its claims agree, no when none does, partly otherwise', () => {
    const claims = first.claims.map((c, i) => ({ ...c, agrees: i !== 0 }));
    const table = armRows({ ...first, claims });
    for (const row of table.rows) {
      const about = claims.filter((c) => c.arms.includes(row.label));
      const yes = about.filter((c) => c.agrees).length;
      const expected = about.length === 0 ? '-' : yes === about.length ? 'yes' : yes === 0 ? 'no' : 'partly';
      expect(row.verdict).toBe(expected);
    }
    expect(table.rows.some((r) => r.verdict !== 'yes')).toBe(true);
  });
});
