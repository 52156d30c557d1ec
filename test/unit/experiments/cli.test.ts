import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main';
import { EXPERIMENT_NAMES } from '../../../src/model/experiments/definitions';
import { parseExperimentResult } from '../../../src/model/experiments/results';

async function run(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

const dir = mkdtempSync(join(tmpdir(), 'pkm-experiment-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('pkm experiment', () => {
  it('lists the experiments', async () => {
    const { code, stdout } = await run('experiment', 'list', '--json');
    expect(code).toBe(0);
    const rows = JSON.parse(stdout) as { name: string; arms: string[]; fullSteps: number }[];
    expect(rows.map((r) => r.name)).toEqual(EXPERIMENT_NAMES);
    expect(rows.find((r) => r.name === 'heads-x-k')?.arms).toEqual(['1×32', '2×16', '4×8', '8×4']);
    const text = await run('experiment', 'list');
    expect(text.stdout).toMatch(/depth-vs-memory\s+2500\s+memory 4L · baseline 4L · baseline 8L/);
  });

  it('runs one with a few steps, prints the table and claims, writes --out', async () => {
    const out = join(dir, 'position.json');
    const { code, stdout, stderr } = await run(
      'experiment',
      'position',
      '--quick',
      '--steps',
      '2',
      '--out',
      out,
    );
    expect(code).toBe(0);
    expect(stdout).toMatch(/^position: Memory position/);
    expect(stdout).toMatch(/memory in block 1 of 4\s+\d+\s+\d+\.\d{4}/);
    expect(stdout).toContain('the best position is an intermediate block');
    expect(stderr).toContain('pkm experiment: memory in block 4 of 4: step 2/2');
    expect(stderr).toContain(`wrote ${out}`);
    const result = parseExperimentResult(JSON.parse(readFileSync(out, 'utf8')), out);
    expect(result.mode).toBe('custom');
    expect(result.arms).toHaveLength(5);
    expect(result.environment.git?.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(result.environment.machine.cores).toBeGreaterThan(0);
  });

  it('says what is wrong with bad input, in one line, exit code 2', async () => {
    const cases: [string[], RegExp][] = [
      [['experiment'], /missing experiment name/],
      [['experiment', 'nope'], /unknown experiment 'nope' \(experiments: depth-vs-memory, /],
      [['experiment', 'position', 'extra'], /unexpected argument 'extra'/],
      [['experiment', 'position', 'a', 'b'], /unexpected argument 'b'/],
      [['experiment', 'position', '--steps', '0'], /--steps must be an integer from 1/],
      [['experiment', 'position', '--seeds', '1,x'], /--seeds must be a comma-separated list/],
      [['experiment', 'report', 'nope'], /unknown experiment 'nope'/],
      [['experiment', 'position', '--fast'], /unknown option --fast/],
    ];
    for (const [argv, message] of cases) {
      const { code, stdout, stderr } = await run(...argv);
      expect(code, argv.join(' ')).toBe(2);
      expect(stdout).toBe('');
      expect(stderr.trim().split('\n')).toHaveLength(1);
      expect(stderr).toMatch(message);
    }
  });
});

describe('pkm experiment merge', () => {
  const fixture = join(__dirname, '../../fixtures/data/capacity-quick/result.json');
  /** The committed quick run split into one file per seed, as two processes side by side write them. */
  function splitBySeed(): string[] {
    const whole = JSON.parse(readFileSync(fixture, 'utf8'));
    return whole.seeds.map((seed: number) => {
      const part = {
        ...whole,
        seeds: [seed],
        arms: whole.arms.map((a: { runs: { seed: number }[] }) => ({
          ...a,
          runs: a.runs.filter((r) => r.seed === seed),
        })),
      };
      const path = join(dir, `capacity-seed${seed}.json`);
      writeFileSync(path, JSON.stringify(part));
      return path;
    });
  }

  it('joins the seeds back into the whole run: its runs, its summaries, its claims', async () => {
    const parts = splitBySeed();
    const out = join(dir, 'merged.json');
    const { code, stderr } = await run('experiment', 'merge', ...parts, '--out', out);
    expect(code, stderr).toBe(0);
    const merged = parseExperimentResult(JSON.parse(readFileSync(out, 'utf8')));
    const whole = parseExperimentResult(JSON.parse(readFileSync(fixture, 'utf8')));
    expect(merged.seeds).toEqual(whole.seeds);
    expect(merged.arms.map((a) => a.runs)).toEqual(whole.arms.map((a) => a.runs));
    // Summaries are means over the stored (rounded) runs: equal to the stored ones to rounding.
    merged.arms.forEach((arm, i) => {
      for (const [key, value] of Object.entries(whole.arms[i].summary)) {
        const got = arm.summary[key as keyof typeof arm.summary];
        if (typeof value === 'number') expect(got, `${arm.label} ${key}`).toBeCloseTo(value, 3);
        else expect(got, `${arm.label} ${key}`).toBe(value);
      }
    });
    expect(merged.claims).toEqual(whole.claims);
  });

  it('refuses one file, an unreadable one and a seed given twice, naming the cause', async () => {
    const [one] = splitBySeed();
    expect((await run('experiment', 'merge', one)).code).toBe(2);
    const missing = await run('experiment', 'merge', one, join(dir, 'nope.json'));
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/cannot read .*nope\.json/);
    const twice = await run('experiment', 'merge', one, one);
    expect(twice.stderr).toMatch(/cannot merge: seed \d+ appears in more than one part/);
  });
});
