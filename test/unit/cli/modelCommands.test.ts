import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main';
import type { TrainJson } from '../../../src/cli/train';
import { decodeCheckpoint } from '../../../src/engine/checkpoint';
import { TINY_MODEL } from '../../fixtures/tinyModel';

async function run(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

const { backend: _backend, ...TINY } = { ...TINY_MODEL, seed: 5 };

let dir: string;
const path = (name: string) => join(dir, name);
let trained: TrainJson;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pkm-cli-model-'));
  writeFileSync(path('tiny.json'), JSON.stringify(TINY));
  const result = await run(
    'train',
    '--config',
    path('tiny.json'),
    '--steps',
    '40',
    '--eval-every',
    '20',
    '--out',
    path('m.safetensors'),
    '--json',
  );
  expect(result.code, result.stderr).toBe(0);
  trained = JSON.parse(result.stdout);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('pkm train / eval / generate / inspect', () => {
  it('train: progress on stderr, validation points, metrics, a checkpoint of the trained step', () => {
    expect(trained.steps).toBe(40);
    expect(trained.step).toBe(40);
    expect(trained.validation.map((v) => v.step)).toEqual([20, 40]);
    expect(trained.validation[1].loss).toBeLessThan(trained.validation[0].loss);
    expect(trained.eval.loss).toBe(trained.validation[1].loss);
    expect(trained.eval.memories).toHaveLength(1);
    expect(trained.eval.memories[0]).toMatchObject({ layer: 1, slots: 64, heads: 2 });
    expect(trained.eval.memories[0].usage).toBeGreaterThan(0);
    const checkpoint = decodeCheckpoint(new Uint8Array(readFileSync(path('m.safetensors'))));
    expect(checkpoint.step).toBe(40);
    expect(checkpoint.config).toMatchObject(TINY);
  });

  it('eval reproduces the final validation loss of train from the checkpoint', async () => {
    const result = await run('eval', '--model', path('m.safetensors'), '--json');
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.step).toBe(40);
    expect(report.loss).toBeCloseTo(trained.eval.loss, 5);
    expect(report.memories[0].per_head).toHaveLength(2);
  });

  it('generate is deterministic for a seed and prints prompt + text', async () => {
    const args = [
      'generate',
      '--model',
      path('m.safetensors'),
      '--prompt',
      'Ada',
      '--tokens',
      '12',
      '--seed',
      '3',
    ];
    const a = await run(...args, '--json');
    const b = await run(...args, '--json');
    expect(a.code, a.stderr).toBe(0);
    expect(JSON.parse(a.stdout)).toMatchObject({ prompt: 'Ada', tokens: 12, seed: 3 });
    expect(JSON.parse(a.stdout).text).toBe(JSON.parse(b.stdout).text);
    const plain = await run(...args);
    expect(plain.stdout).toBe(`Ada${JSON.parse(a.stdout).text}\n`);
  });

  it('inspect prints the whole lookup of one token as JSON arrays', async () => {
    const result = await run(
      'inspect',
      '--model',
      path('m.safetensors'),
      '--text',
      'Ada lives',
      '--position',
      '4',
      '--json',
    );
    expect(result.code, result.stderr).toBe(0);
    const trace = JSON.parse(result.stdout);
    expect(trace).toMatchObject({ position: 4, token: 'l'.charCodeAt(0), step: 40 });
    const memory = trace.layers[0].trace;
    expect(memory).toMatchObject({ n_keys: 8, knn: 4, mem_keys: 'product' });
    for (const head of memory.heads) {
      expect(head.slots).toHaveLength(4);
      expect(head.subScores.map((s: number[]) => s.length)).toEqual([8, 8]);
      expect(head.candidates).toHaveLength(16);
      expect(head.slots).toEqual(head.rows.map((r: number, i: number) => r * 8 + head.cols[i]));
      const sorted = [...head.scores].sort((x: number, y: number) => y - x);
      expect(head.scores).toEqual(sorted);
      expect(head.weights.reduce((x: number, y: number) => x + y, 0)).toBeCloseTo(1, 5);
    }
  });

  it('bad input: one line on stderr and a non-zero exit', async () => {
    const cases: [string[], number, RegExp][] = [
      [['train', '--steps', '0'], 2, /--steps must be an integer from 1/],
      [['generate'], 2, /missing --model/],
      [['eval', '--model', path('tiny.json')], 1, /not a safetensors file: it is a text file/],
      [['inspect', '--text', 'abc', '--position', '7'], 2, /--position must be an integer from 0 to 2/],
      [['train', '--config', path('missing.json')], 1, /cannot read .*no such file/],
    ];
    for (const [argv, code, message] of cases) {
      const result = await run(...argv);
      expect(result.code, argv.join(' ')).toBe(code);
      const lines = result.stderr.trim().split('\n');
      expect(lines.at(-1)).toMatch(message);
      expect(result.stdout).toBe('');
    }
  });
});
