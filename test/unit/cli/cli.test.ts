import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main';
import { exportMemory, writeMemoryFile } from '../../../src/model/io/layouts';
import { writeNpy } from '../../../src/model/io/npy';
import { writeSafetensors } from '../../../src/model/io/safetensors';
import type { MemorySpec, MemoryWeights } from '../../../src/model/memory/types';
import { memoryMetrics } from '../../../src/model/metrics/memoryMetrics';
import { randomFloats } from '../io/buildSafetensors';
import { bruteForceLookup } from './bruteForceLookup';

async function run(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

const SPEC: MemorySpec = {
  d_in: 6,
  heads: 2,
  n_keys: 5,
  k_dim: 8,
  v_dim: 4,
  knn: 3,
  query_norm: 'batchnorm',
  mem_keys: 'product',
  mem_plus: false,
  d_out: 4,
};

function weights(spec: MemorySpec, seed: number): MemoryWeights {
  const width = spec.heads * spec.k_dim;
  const w: MemoryWeights = {
    queryW: randomFloats(spec.d_in * width, seed),
    queryB: randomFloats(width, seed + 1).map((v) => v * 0.1),
    keys: randomFloats(spec.heads * 2 * spec.n_keys * (spec.k_dim / 2), seed + 2),
    values: randomFloats(spec.n_keys ** 2 * spec.v_dim, seed + 3),
  };
  if (spec.query_norm === 'batchnorm') {
    w.normGamma = randomFloats(width, seed + 4).map((v) => 1 + 0.5 * v);
    w.normBeta = randomFloats(width, seed + 5).map((v) => 0.2 * v);
    w.runningMean = randomFloats(width, seed + 6).map((v) => 0.3 * v);
    w.runningVar = randomFloats(width, seed + 7).map((v) => 0.5 + 0.4 * v);
  }
  return w;
}

let dir: string;
const path = (name: string) => join(dir, name);
const B = 7;
const inputs = randomFloats(B * SPEC.d_in, 99);
const noBn: MemorySpec = { ...SPEC, query_norm: 'none' };
const bnWeights = weights(SPEC, 10);
const plainWeights = weights(noBn, 20);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pkm-cli-'));
  writeFileSync(path('bn.safetensors'), writeMemoryFile('xlm', SPEC, bnWeights));
  writeFileSync(path('plain.safetensors'), writeMemoryFile('xlm', noBn, plainWeights));
  writeFileSync(path('noknn.safetensors'), writeSafetensors(exportMemory('xlm', SPEC, bnWeights)));
  writeFileSync(path('x.npy'), writeNpy(inputs, [B, SPEC.d_in]));
  writeFileSync(path('wide.npy'), writeNpy(new Float32Array(2 * 7), [2, 7]));
  writeFileSync(path('garbage.safetensors'), new TextEncoder().encode('this is not a safetensors file'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function expectAllClose(got: number[], want: number[]) {
  expect(got).toHaveLength(want.length);
  for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i], 4);
}

function expectOneLineError(
  result: { code: number; stdout: string; stderr: string },
  code: number,
  message: RegExp,
) {
  expect(result.code).toBe(code);
  expect(result.stdout).toBe('');
  expect(result.stderr.split('\n').filter(Boolean)).toHaveLength(1);
  expect(result.stderr).toMatch(message);
}

describe('pkm CLI: help and bad input', () => {
  it('--help lists the commands; a command --help lists its options', async () => {
    const general = await run('--help');
    expect(general.code).toBe(0);
    expect(general.stderr).toBe('');
    expect(general.stdout).toMatch(/usage: pkm <command>/);
    expect(general.stdout).toMatch(/lookup\s+read a memory/);
    expect(general.stdout).toMatch(/coverage\s+memory usage statistics/);
    const lookup = await run('lookup', '--help');
    expect(lookup.code).toBe(0);
    expect(lookup.stdout).toMatch(/usage: pkm lookup --memory <file> --inputs <file>/);
    expect(lookup.stdout).toMatch(/--knn <k>/);
    expect((await run('help', 'coverage')).stdout).toMatch(/pkm coverage:/);
  });

  it('one line and a non-zero exit for every kind of bad command line', async () => {
    expectOneLineError(await run(), 2, /^pkm: error: missing command \([a-z, ]*lookup, coverage/);
    expectOneLineError(
      await run('train2'),
      2,
      /^pkm: error: unknown command 'train2' \(commands: [a-z, ]*lookup, coverage/,
    );
    expectOneLineError(
      await run('lookup', '--bogus'),
      2,
      /^pkm lookup: error: unknown option --bogus \(see pkm lookup --help\)/,
    );
    expectOneLineError(await run('lookup', '--memory'), 2, /option --memory needs a value/);
    expectOneLineError(await run('lookup', '--json=yes'), 2, /option --json takes no value/);
    expectOneLineError(await run('lookup', 'stray'), 2, /unexpected argument 'stray'/);
    expectOneLineError(await run('coverage', '--inputs', path('x.npy')), 2, /missing --memory <file>/);
    expectOneLineError(
      await run('lookup', '--memory', path('bn.safetensors'), '--inputs', path('x.npy'), '--knn', 'two'),
      2,
      /--knn must be an integer from 1 to \d+ \(got 'two'\)/,
    );
  });

  it('one line and exit 1 for missing, malformed or mismatched files', async () => {
    expectOneLineError(
      await run('lookup', '--memory', path('nope.safetensors'), '--inputs', path('x.npy')),
      1,
      /cannot read '.*nope\.safetensors': no such file/,
    );
    expectOneLineError(
      await run('lookup', '--memory', path('garbage.safetensors'), '--inputs', path('x.npy')),
      1,
      /garbage\.safetensors: not a safetensors file: it is a text file \(it starts with "this is not a safetensor…"\)/,
    );
    expectOneLineError(
      await run('coverage', '--memory', path('bn.safetensors'), '--inputs', path('bn.safetensors')),
      1,
      /bn\.safetensors: invalid \.npy file: it does not start with the magic string/,
    );
    expectOneLineError(
      await run('lookup', '--memory', path('bn.safetensors'), '--inputs', path('wide.npy')),
      1,
      /x?wide\.npy: the inputs are 7 wide but the memory's input width d_in is 6/,
    );
    expectOneLineError(
      await run('coverage', '--memory', path('noknn.safetensors'), '--inputs', path('x.npy')),
      1,
      /noknn\.safetensors: xlm layout: knn \(slots read per head\) is not in the file, as a PyTorch state_dict does not hold it: give it \(mem_knn, 32 by default\)/,
    );
    expect(
      (await run('coverage', '--memory', path('noknn.safetensors'), '--inputs', path('x.npy'), '--knn', '3'))
        .code,
    ).toBe(0);
    expectOneLineError(
      await run('lookup', '--memory', path('bn.safetensors'), '--inputs', path('x.npy'), '--knn', '6'),
      1,
      /xlm layout: knn 6 is more than the 5 sub-keys per half \(n_keys\) of this memory/,
    );
  });

  it('runs as a process: `tsx src/cli/main.ts` exits with the code and prints one line', () => {
    const tsx = join(process.cwd(), 'node_modules', '.bin', 'tsx');
    const help = spawnSync(tsx, ['src/cli/main.ts', '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/commands:/);
    const bad = spawnSync(tsx, ['src/cli/main.ts', 'coverage', '--nope'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr.trim().split('\n')).toEqual([
      'pkm coverage: error: unknown option --nope (see pkm coverage --help)',
    ]);
  });
});

describe('pkm lookup and coverage', () => {
  for (const [name, spec, w] of [
    ['with BatchNorm', SPEC, bnWeights],
    ['without BatchNorm', noBn, plainWeights],
  ] as const) {
    it(`lookup matches a brute-force search over all n² slots (${name})`, async () => {
      const file = spec.query_norm === 'batchnorm' ? 'bn.safetensors' : 'plain.safetensors';
      const result = await run('lookup', '--memory', path(file), '--inputs', path('x.npy'), '--json');
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const json = JSON.parse(result.stdout);
      expect(Object.keys(json).sort()).toEqual([
        'indices',
        'layout',
        'notes',
        'output',
        'prefix',
        'scores',
        'weights',
      ]);
      expect(json.layout).toBe('xlm');
      const want = bruteForceLookup(spec, w, inputs, B);
      expect(json.indices).toEqual(want.indices);
      for (const key of ['scores', 'weights'] as const) expectAllClose(json[key].flat(2), want[key].flat(2));
      expectAllClose(json.output.flat(), want.output.flat());
      for (const row of json.scores as number[][][]) {
        for (const head of row) expect([...head].sort((a, b) => b - a)).toEqual(head);
      }
    });
  }

  it('lookup takes knn from --knn over __metadata__, prints a table without --json, leaks no tensors', async () => {
    await run('lookup', '--memory', path('bn.safetensors'), '--inputs', path('x.npy'), '--json');
    const before = tf.memory().numTensors;
    const result = await run(
      'lookup',
      '--memory',
      path('bn.safetensors'),
      '--inputs',
      path('x.npy'),
      '--knn',
      '2',
      '--json',
    );
    expect(tf.memory().numTensors).toBe(before);
    const json = JSON.parse(result.stdout);
    expect(json.indices[0][0]).toHaveLength(2);
    expect(json.indices[0][0]).toEqual(
      bruteForceLookup({ ...SPEC, knn: 2 }, bnWeights, inputs, 1).indices[0][0],
    );
    const text = await run('lookup', '--memory', path('bn.safetensors'), '--inputs', path('x.npy'));
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^memory \(xlm layout\): 2 head\(s\), n_keys 5 \(25 slots, product keys\)/);
    expect(text.stdout).toMatch(/input\s+head\s+rank\s+slot\s+row\s+col\s+score\s+weight/);
    expect(text.stdout.trim().split('\n').length).toBeGreaterThan(B * SPEC.heads * SPEC.knn);
  });

  it('coverage gives the XLM statistics of the brute-force reads, in chunks for large B', async () => {
    const result = await run(
      'coverage',
      '--memory',
      path('bn.safetensors'),
      '--inputs',
      path('x.npy'),
      '--json',
    );
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout);
    for (const key of [
      'slots',
      'usage',
      'kl_w',
      'kl_u',
      'gini_w',
      'top50_w',
      'top90_w',
      'top99_w',
      'per_head',
    ]) {
      expect(json).toHaveProperty(key);
    }
    expect(json.slots).toBe(25);
    expect(json.per_head).toHaveLength(2);
    const want = bruteForceLookup(SPEC, bnWeights, inputs, B);
    const expected = memoryMetrics(want.indices.flat(2), want.weights.flat(2), {
      slots: 25,
      heads: 2,
      knn: 3,
    });
    expect(json.usage).toBe(expected.usage);
    expect(json.kl_u).toBeCloseTo(expected.kl_u, 10);
    expect(json.kl_w).toBeCloseTo(expected.kl_w, 5);
    expect(json.gini_w).toBeCloseTo(expected.gini_w, 5);
    expect(json.per_head[1].top90_u).toBe(expected.per_head[1].top90_u);

    // 2,500 inputs: three chunks, the last one padded; the statistics are those of all inputs at once.
    const many = 2500;
    const big = randomFloats(many * SPEC.d_in, 5);
    writeFileSync(path('big.npy'), writeNpy(big, [many, SPEC.d_in]));
    const chunked = await run(
      'coverage',
      '--memory',
      path('plain.safetensors'),
      '--inputs',
      path('big.npy'),
      '--json',
    );
    expect(chunked.code).toBe(0);
    expect(chunked.stderr).toMatch(/pkm coverage: 1024\/2500 inputs/);
    const all = bruteForceLookup(noBn, plainWeights, big, many);
    const allMetrics = memoryMetrics(all.indices.flat(2), all.weights.flat(2), {
      slots: 25,
      heads: 2,
      knn: 3,
    });
    const got = JSON.parse(chunked.stdout);
    expect(got.tokens).toBe(many);
    expect(got.usage).toBe(allMetrics.usage);
    expect(got.kl_u).toBeCloseTo(allMetrics.kl_u, 10);
    expect(got.top50_w).toBe(allMetrics.top50_w);

    const text = await run('coverage', '--memory', path('bn.safetensors'), '--inputs', path('x.npy'));
    expect(text.stdout).toMatch(/usage\s+kl_w\s+kl_u\s+gini_w/);
    expect(text.stdout).toMatch(/^head 1 /m);
    expect(text.stdout).toMatch(/head overlap: mean pairwise Jaccard/);
  });
});
