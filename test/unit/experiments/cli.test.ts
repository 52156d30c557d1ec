import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
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
    expect(text.stdout).toMatch(/depth-vs-memory\s+1500\s+memory 4L · baseline 4L · baseline 8L/);
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
