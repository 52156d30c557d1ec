import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main';
import { encodeCheckpoint } from '../../../src/engine/checkpoint';
import { DEFAULT_CONFIG, type ModelConfig } from '../../../src/model/config';
import { denseParamShapes } from '../../../src/model/denseParams';
import { readMemoryFile } from '../../../src/model/io/layouts';
import { writeNpy } from '../../../src/model/io/npy';
import { writeSafetensors } from '../../../src/model/io/safetensors';
import { memorySpecFromConfig } from '../../../src/model/memory/spec';
import { initMemoryWeights } from '../../../src/model/memory/weights';
import { memoryMetrics } from '../../../src/model/metrics/memoryMetrics';
import { file, sharedKeysBomb } from '../io/craftedFiles';
import { expectClose, expectSameReads, inputsFor } from '../io/layoutHelpers';
import { linguaForward, linguaStateDict, pkmForward, pkmStateDict, prefixed } from '../io/torchModules';

async function run(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

let dir: string;
const path = (name: string) => join(dir, name);
const B = 6;
const pkm = pkmStateDict({ dim: 8, heads: 2, numKeys: 6, dimHead: 3, seed: 51, preLayernorm: true });
const peer = linguaStateDict({ dim: 8, heads: 2, nKeys: 5, kDim: 4, peer: true, gated: true, seed: 52 });
const x = inputsFor(B, 8, 53);

function checkpoint(config: ModelConfig): Uint8Array {
  const dense: Record<string, Float32Array> = {};
  for (const [name, shape] of denseParamShapes(config)) {
    dense[name] = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i));
  }
  const spec = memorySpecFromConfig(config);
  const memories = config.mem_layers.map((l) => initMemoryWeights(spec, 10 + l));
  return encodeCheckpoint({
    config,
    weights: { dense, memories },
    optimizer: null,
    valueOptimizers: null,
    step: 3,
    samplerState: null,
  });
}

const small: ModelConfig = {
  ...DEFAULT_CONFIG,
  d_model: 16,
  layers: 2,
  mem_layers: [1],
  n_keys: 8,
  knn: 4,
  heads: 2,
  k_dim: 8,
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pkm-cli-layouts-'));
  writeFileSync(path('pkm.safetensors'), writeSafetensors(pkm));
  writeFileSync(path('peer.safetensors'), writeSafetensors(peer));
  const model = { ...prefixed(pkm, 'blocks.1.pkm.'), ...prefixed(pkm, 'blocks.3.pkm.') };
  writeFileSync(path('model.safetensors'), writeSafetensors(model));
  writeFileSync(path('x.npy'), writeNpy(x, [B, 8]));
  writeFileSync(path('bomb.safetensors'), sharedKeysBomb(2 ** 30));
  writeFileSync(
    path('dims.safetensors'),
    file(
      `{"keys":{"dtype":"F32","shape":[${'2,'.repeat(2_000_000)}2],"data_offsets":[0,4]}}`,
      new Uint8Array(4),
    ),
  );
  writeFileSync(path('huge-length.safetensors'), new Uint8Array(16).fill(0xff));
  writeFileSync(path('bn.safetensors'), checkpoint(small));
  writeFileSync(path('none.safetensors'), checkpoint({ ...small, query_norm: 'none' }));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('pkm lookup / coverage / memories with the other layouts', () => {
  it('lookup of a lucidrains PKM (detected; pre_layernorm) gives its forward', async () => {
    const r = await run(
      'lookup',
      '--memory',
      path('pkm.safetensors'),
      '--inputs',
      path('x.npy'),
      '--knn',
      '4',
      '--json',
    );
    expect(r.stderr).toBe('');
    const json = JSON.parse(r.stdout);
    expect(json.layout).toBe('lucidrains');
    expectSameReads(json, pkmForward(pkm, x, B, 4));
    const text = await run(
      'lookup',
      '--memory',
      path('pkm.safetensors'),
      '--inputs',
      path('x.npy'),
      '--knn',
      '4',
    );
    expect(text.stdout).toMatch(/^memory \(lucidrains layout\): 2 head\(s\), n_keys 6/);
    expect(text.stdout).toMatch(/note: The input goes through pre_layernorm/);
  });

  it('coverage of a lingua PEER memory: the XLM statistics of its own reads', async () => {
    const r = await run(
      'coverage',
      '--memory',
      path('peer.safetensors'),
      '--inputs',
      path('x.npy'),
      '--knn',
      '3',
      '--json',
    );
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    const want = linguaForward(peer, x, B, 3);
    const expected = memoryMetrics(want.indices.flat(2), want.weights.flat(2), {
      slots: 25,
      heads: 2,
      knn: 3,
    });
    expect(json.layout).toBe('lingua');
    expect(json.usage).toBe(expected.usage);
    expect(json.kl_u).toBeCloseTo(expected.kl_u, 10);
    expectClose([json.kl_w, json.gini_w], [expected.kl_w, expected.gini_w], 5);
  });

  it('a whole model: memories lists the prefixes, lookup asks for one, --prefix picks it', async () => {
    const list = await run('memories', '--memory', path('model.safetensors'));
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^2 memories in /);
    expect(list.stdout).toMatch(/blocks\.1\.pkm\.\s+lucidrains\s+2\s+6\s+6\s+8/);
    const json = JSON.parse((await run('memories', '--memory', path('model.safetensors'), '--json')).stdout);
    expect(json.memories.map((m: { prefix: string }) => m.prefix)).toEqual([
      'blocks.1.pkm.',
      'blocks.3.pkm.',
    ]);
    const ask = await run(
      'lookup',
      '--memory',
      path('model.safetensors'),
      '--inputs',
      path('x.npy'),
      '--knn',
      '2',
    );
    expect(ask.code).toBe(1);
    expect(ask.stderr).toMatch(
      /holds 2 memory modules \('blocks\.1\.pkm\.' \(lucidrains\), 'blocks\.3\.pkm\.' \(lucidrains\)\): choose one by its prefix/,
    );
    const picked = await run(
      'lookup',
      '--memory',
      path('model.safetensors'),
      '--inputs',
      path('x.npy'),
      '--knn',
      '2',
      '--prefix',
      'blocks.3.pkm.',
      '--json',
    );
    expect(JSON.parse(picked.stdout).indices).toEqual(pkmForward(pkm, x, B, 2).indices);
    const forced = await run(
      'lookup',
      '--memory',
      path('pkm.safetensors'),
      '--inputs',
      path('x.npy'),
      '--knn',
      '2',
      '--layout',
      'xlm',
    );
    expect(forced.stderr).toMatch(
      /^pkm lookup: error: .*pkm\.safetensors: xlm layout: tensor 'query_proj\.query_mlps\.0\.weight' \[heads·k_dim, d_in\] is missing\n$/,
    );
    expect((await run('lookup', '--memory', 'a', '--inputs', 'b', '--layout', 'torch')).stderr).toMatch(
      /--layout must be one of xlm, lucidrains, lingua \(got 'torch'\)/,
    );
  });
});

describe('pkm export', () => {
  it('writes a checkpoint memory in each layout it fits, and says why not where it does not', async () => {
    for (const layout of ['xlm', 'lingua'] as const) {
      const model = layout === 'xlm' ? path('bn.safetensors') : path('none.safetensors');
      const out = path(`m-${layout}.safetensors`);
      const r = await run('export', '--model', model, '--layout', layout, '--out', out, '--block', '2');
      expect(r.stderr).toBe('');
      expect(r.stdout).toMatch(new RegExp(`^wrote .*: block 2's memory in the ${layout} layout`));
      const back = await readMemoryFile(new Uint8Array(readFileSync(out)));
      expect(back.layout).toBe(layout);
      expect(back.spec).toMatchObject({ heads: 2, n_keys: 8, k_dim: 8, knn: 4, d_in: 16 });
    }
    const refused = await run(
      'export',
      '--model',
      path('bn.safetensors'),
      '--layout',
      'lucidrains',
      '--out',
      path('x.safetensors'),
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /cannot export block 2 in the lucidrains layout: PKM normalises its query with LayerNorm \(this memory: batchnorm\)/,
    );
    const noBlock = await run(
      'export',
      '--model',
      path('bn.safetensors'),
      '--layout',
      'xlm',
      '--out',
      path('y.safetensors'),
      '--block',
      '1',
    );
    expect(noBlock.stderr).toMatch(/block 1 has no memory \(memory blocks: 2\)/);
  });
});

describe('crafted files: the CLI exits non-zero within seconds, with one short line', () => {
  const tsx = join(process.cwd(), 'node_modules', '.bin', 'tsx');
  for (const name of ['bomb.safetensors', 'dims.safetensors', 'huge-length.safetensors']) {
    it(name, () => {
      const started = performance.now();
      const r = spawnSync(
        tsx,
        ['src/cli/main.ts', 'coverage', '--memory', path(name), '--inputs', path('x.npy'), '--knn', '1'],
        {
          encoding: 'utf8',
          timeout: 60_000,
        },
      );
      const seconds = (performance.now() - started) / 1000;
      expect(r.status).toBe(1);
      expect(r.stdout).toBe('');
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0].length).toBeLessThan(400);
      // Process start-up (tsx compiling the CLI) dominates on a loaded machine; the read itself takes milliseconds.
      expect(seconds).toBeLessThan(30);
      if (name === 'huge-length.safetensors') expect(lines[0]).toContain('18446744073709551615');
    });
  }
});
