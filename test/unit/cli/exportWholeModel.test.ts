import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main';
import { encodeCheckpoint } from '../../../src/engine/checkpoint';
import { DEFAULT_CONFIG, type ModelConfig } from '../../../src/model/config';
import { denseParamShapes } from '../../../src/model/denseParams';
import { describeMemoryFile, readMemoryFile } from '../../../src/model/io/layouts';
import { parseSafetensors } from '../../../src/model/io/safetensors';
import { memorySpecFromConfig } from '../../../src/model/memory/spec';
import { initMemoryWeights } from '../../../src/model/memory/weights';

async function run(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

/** Three memory blocks sharing one value table; lingua-compatible (product keys, no query norm). */
const config: ModelConfig = {
  ...DEFAULT_CONFIG,
  d_model: 16,
  layers: 4,
  mem_layers: [0, 1, 3],
  n_keys: 6,
  knn: 3,
  heads: 2,
  k_dim: 8,
  query_norm: 'none',
  mem_share_values: true,
};
const spec = memorySpecFromConfig(config);
const memories = config.mem_layers.map((l) => initMemoryWeights(spec, 20 + l));
for (const m of memories) m.values = memories[0].values;

let dir: string;
const path = (name: string) => join(dir, name);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'pkm-cli-export-all-'));
  const dense: Record<string, Float32Array> = {};
  for (const [name, shape] of denseParamShapes(config)) {
    dense[name] = new Float32Array(shape.reduce((a, b) => a * b, 1));
  }
  const bytes = encodeCheckpoint({
    config,
    weights: { dense, memories },
    optimizer: null,
    valueOptimizers: null,
    step: 0,
    samplerState: null,
  });
  writeFileSync(path('shared.safetensors'), bytes);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('pkm export --all (lingua whole model)', () => {
  it('writes every memory under layers.<block>.feed_forward., the shared pool in the first only', async () => {
    const out = path('whole.safetensors');
    const r = await run(
      'export',
      '--model',
      path('shared.safetensors'),
      '--layout',
      'lingua',
      '--all',
      '--out',
      out,
    );
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(
      /^wrote .*: the memories of blocks 1, 2, 4 in the lingua layout, one shared value pool/,
    );
    const bytes = new Uint8Array(readFileSync(out));
    const names = [...parseSafetensors(bytes).tensors.keys()];
    expect(names.filter((n) => n.endsWith('values.weight'))).toEqual(['layers.0.feed_forward.values.weight']);
    const description = describeMemoryFile(bytes);
    expect(description.memories.map((m) => m.prefix)).toEqual(
      config.mem_layers.map((l) => `layers.${l}.feed_forward.`),
    );
    for (const [i, layer] of config.mem_layers.entries()) {
      const back = await readMemoryFile(bytes, { prefix: `layers.${layer}.feed_forward.` });
      expect(back.spec.knn).toBe(config.knn);
      expect(Array.from(back.module.weights.values)).toEqual(Array.from(memories[0].values));
      expect(Array.from(back.module.weights.keys)).toEqual(Array.from(memories[i].keys));
    }
  });

  it('refuses --all in another layout or with --block', async () => {
    const model = path('shared.safetensors');
    const xlm = await run(
      'export',
      '--model',
      model,
      '--layout',
      'xlm',
      '--all',
      '--out',
      path('x.safetensors'),
    );
    expect(xlm.code).not.toBe(0);
    expect(xlm.stderr).toMatch(/--all writes a whole model in the lingua layout only/);
    const both = await run(
      'export',
      '--model',
      model,
      '--layout',
      'lingua',
      '--all',
      '--block',
      '2',
      '--out',
      path('y.safetensors'),
    );
    expect(both.stderr).toMatch(/leave out --block/);
  });
});
