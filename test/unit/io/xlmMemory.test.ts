import { describe, expect, it } from 'vitest';
import { FormatError } from '../../../src/model/io/errors';
import { importMemory, readMemoryFile, writeMemoryFile } from '../../../src/model/io/layouts';
import { transpose } from '../../../src/model/io/layouts/common';
import { exportXlm as exportXlmMemory, XLM_NAMES } from '../../../src/model/io/layouts/xlm';
import { parseSafetensors, readSafetensors } from '../../../src/model/io/safetensors';
import type { MemorySpec, MemoryWeights } from '../../../src/model/memory/types';
import { buildSafetensors, f32, type RawTensor, randomFloats } from './buildSafetensors';

const SPEC: MemorySpec = {
  d_in: 5,
  heads: 2,
  n_keys: 4,
  k_dim: 6,
  v_dim: 3,
  knn: 2,
  query_norm: 'batchnorm',
  mem_keys: 'product',
  mem_plus: false,
  d_out: 3,
};

function weightsFor(spec: MemorySpec, seed = 1): MemoryWeights {
  const width = spec.heads * spec.k_dim;
  const w: MemoryWeights = {
    queryW: randomFloats(spec.d_in * width, seed),
    queryB: randomFloats(width, seed + 1),
    keys: randomFloats(
      spec.heads * spec.n_keys * spec.k_dim * (spec.mem_keys === 'flat' ? spec.n_keys : 1),
      seed + 2,
    ),
    values: randomFloats(spec.n_keys ** 2 * spec.v_dim, seed + 3),
  };
  if (spec.query_norm === 'batchnorm') {
    w.normGamma = randomFloats(width, seed + 4);
    w.normBeta = randomFloats(width, seed + 5);
    w.runningMean = randomFloats(width, seed + 6);
    w.runningVar = randomFloats(width, seed + 7).map((v) => v + 1.5);
  }
  return w;
}

/** The tensors of SPEC as PyTorch's state_dict would hold them (with num_batches_tracked as I64). */
function torchTensors(spec = SPEC, w = weightsFor(spec)): Record<string, RawTensor> {
  const width = spec.heads * spec.k_dim;
  const t: Record<string, RawTensor> = {
    keys: f32([spec.heads, 2, spec.n_keys, spec.k_dim / 2], w.keys),
    'values.weight': f32([spec.n_keys ** 2, spec.v_dim], w.values),
    [XLM_NAMES.queryW]: f32([width, spec.d_in], transpose(w.queryW, spec.d_in, width)),
    [XLM_NAMES.queryB]: f32([width], w.queryB),
  };
  if (w.normGamma) {
    t[XLM_NAMES.normGamma] = f32([width], w.normGamma);
    t[XLM_NAMES.normBeta] = f32([width], w.normBeta!);
    t[XLM_NAMES.runningMean] = f32([width], w.runningMean!);
    t[XLM_NAMES.runningVar] = f32([width], w.runningVar!);
    t[XLM_NAMES.numBatchesTracked] = {
      dtype: 'I64',
      shape: [],
      bytes: new Uint8Array(new BigInt64Array([1234n]).buffer),
    };
  }
  return t;
}

async function readXlmMemory(bytes: Uint8Array, options: Parameters<typeof readMemoryFile>[1] = {}) {
  const m = await readMemoryFile(bytes, options);
  expect(m.layout).toBe('xlm');
  return { spec: m.module.spec, weights: m.module.weights, prefix: m.prefix };
}

const writeXlmMemory = (spec: MemorySpec, w: MemoryWeights, metadata: Record<string, string> = {}) =>
  writeMemoryFile('xlm', spec, w, metadata);

async function expectLayoutError(fn: () => Promise<unknown>, message: RegExp) {
  const err = await fn().then(
    () => null,
    (e: Error) => e,
  );
  expect(err).toBeInstanceOf(FormatError);
  expect(err!.message).toMatch(message);
}

describe('XLM memory import', async () => {
  it('reads a PyTorch state_dict: shapes give the spec, the Linear weight is transposed', async () => {
    const w = weightsFor(SPEC);
    const { spec, weights, prefix } = await readXlmMemory(buildSafetensors(torchTensors(SPEC, w)), {
      knn: 2,
    });
    expect(prefix).toBe('');
    expect(spec).toEqual(SPEC);
    expect(weights).toEqual(w);
  });

  it('takes knn from __metadata__, lets an argument override it, and names it when missing', async () => {
    const bytes = buildSafetensors(torchTensors(), { knn: '3' });
    expect((await readXlmMemory(bytes)).spec.knn).toBe(3);
    expect((await readXlmMemory(bytes, { knn: 1 })).spec.knn).toBe(1);
    await expectLayoutError(
      () => readXlmMemory(buildSafetensors(torchTensors())),
      /^xlm layout: knn \(slots read per head\) is not in the file, as a PyTorch state_dict does not hold it/,
    );
    await expectLayoutError(
      () => readXlmMemory(bytes, { knn: 5 }),
      /^xlm layout: knn 5 is more than the 4 sub-keys per half \(n_keys\) of this memory$/,
    );
    await expectLayoutError(
      () => readXlmMemory(buildSafetensors(torchTensors(), { knn: 'many' })),
      /__metadata__ knn must be a whole number \(got "many"\)/,
    );
  });

  it('without BatchNorm and bias: query_norm none and a zero bias', async () => {
    const t = torchTensors({ ...SPEC, query_norm: 'none' }, weightsFor({ ...SPEC, query_norm: 'none' }));
    delete t[XLM_NAMES.queryB];
    const { spec, weights } = await readXlmMemory(buildSafetensors(t), { knn: 2 });
    expect(spec.query_norm).toBe('none');
    expect(weights.queryB).toEqual(new Float32Array(12));
    expect(weights.normGamma).toBeUndefined();
  });

  it('converts F16 / BF16 tensors and finds the module inside a larger state_dict', async () => {
    const t = torchTensors();
    // values as BF16: the top halves of exactly representable floats.
    const vals = new Float32Array([0.5, -1, 2, 0.25]).map((v, i) => v * (1 + (i % 3)));
    const tiled = new Float32Array(16 * 3).map((_, i) => vals[i % 4]);
    const bf16 = new Uint16Array(new Uint32Array(tiled.buffer).map((b) => b >>> 16));
    t['values.weight'] = { dtype: 'BF16', shape: [16, 3], bytes: new Uint8Array(bf16.buffer) };
    const whole: Record<string, RawTensor> = { 'embeddings.weight': f32([2, 2], [1, 2, 3, 4]) };
    for (const [name, tensor] of Object.entries(t)) whole[`layers.3.memory.${name}`] = tensor;
    const { weights, prefix } = await readXlmMemory(buildSafetensors(whole), { knn: 2 });
    expect(prefix).toBe('layers.3.memory.');
    expect(weights.values).toEqual(tiled);
  });

  it('expands shared keys [n, k_dim/2] to every head and half; reads flat keys [H, n², k_dim]', async () => {
    const t = torchTensors({ ...SPEC, query_norm: 'none' }, weightsFor({ ...SPEC, query_norm: 'none' }));
    const shared = randomFloats(4 * 3, 9);
    t.keys = f32([4, 3], shared);
    const { spec, weights } = await readXlmMemory(buildSafetensors(t), { knn: 2 });
    expect(spec.heads).toBe(2);
    expect(spec.k_dim).toBe(6);
    for (let i = 0; i < 4; i++) expect(weights.keys.subarray(i * 12, (i + 1) * 12)).toEqual(shared);

    const flatSpec: MemorySpec = { ...SPEC, query_norm: 'none', mem_keys: 'flat', knn: 5 };
    const flatW = weightsFor(flatSpec);
    const round = await readXlmMemory(writeXlmMemory(flatSpec, flatW));
    expect(round.spec).toEqual(flatSpec);
    expect(round.weights).toEqual(flatW);
    expect(parseSafetensors(writeXlmMemory(flatSpec, flatW)).tensors.get('keys')?.shape).toEqual([2, 16, 6]);
  });

  it('names every inconsistency', async () => {
    const bad = (edit: (t: Record<string, RawTensor>) => void) => {
      const t = torchTensors();
      edit(t);
      return () => readXlmMemory(buildSafetensors(t), { knn: 2 });
    };
    await expectLayoutError(
      bad((t) => {
        t['values.weight'] = f32([15, 3], new Float32Array(45));
      }),
      /^xlm layout: tensor 'values\.weight' has 15 rows but keys \[2, 2, 4, 3\] imply n_keys² = 16$/,
    );
    await expectLayoutError(
      bad((t) => {
        t.keys = f32([2, 3, 4, 3], new Float32Array(72));
      }),
      /must have 2 halves \(got \[2, 3, 4, 3\]\)/,
    );
    await expectLayoutError(
      bad((t) => {
        t.keys = f32([2, 2, 4, 3, 1], new Float32Array(48));
      }),
      /tensor 'keys' must be \[heads, 2, n_keys, k_dim\/2\] \(got \[2, 2, 4, 3, 1\]\)/,
    );
    await expectLayoutError(
      bad((t) => {
        t[XLM_NAMES.queryW] = f32([10, 5], new Float32Array(50));
      }),
      /tensor 'query_proj\.query_mlps\.0\.weight' has 10 rows; keys \[2, 2, 4, 3\] need heads·k_dim = 2·6 = 12/,
    );
    await expectLayoutError(
      bad((t) => {
        t[XLM_NAMES.queryB] = f32([11], new Float32Array(11));
      }),
      /tensor 'query_proj\.query_mlps\.0\.bias' must be \[heads·k_dim\] = \[12\] \(got \[11\]\)/,
    );
    await expectLayoutError(
      bad((t) => {
        delete t[XLM_NAMES.runningVar];
      }),
      /BatchNorm is incomplete: 'query_proj\.query_mlps\.1\.running_var' missing/,
    );
    await expectLayoutError(
      bad((t) => {
        t[XLM_NAMES.runningVar] = f32([12], new Float32Array(12).fill(-1));
      }),
      /tensor 'query_proj\.query_mlps\.1\.running_var' has a negative variance at \[0\]/,
    );
    await expectLayoutError(
      bad((t) => {
        t['query_proj.query_mlps.3.weight'] = f32([12, 12], new Float32Array(144));
      }),
      /tensor 'query_proj\.query_mlps\.3\.weight' belongs to a query network of more than one layer/,
    );
    await expectLayoutError(
      bad((t) => {
        delete t[XLM_NAMES.queryW];
      }),
      /no memory module found: no 'keys' beside a query network/,
    );
    await expectLayoutError(
      bad((t) => {
        t.keys = { dtype: 'I32', shape: [2, 2, 4, 3], bytes: new Uint8Array(192) };
      }),
      /^xlm layout: tensor 'keys' has dtype I32; it must be a float tensor/,
    );
    await expectLayoutError(
      () => readXlmMemory(buildSafetensors({ a: f32([1], [1]) })),
      /^no memory module found: no 'keys' beside a query network .*\(tensors: 'a'\)$/,
    );
    const two: Record<string, RawTensor> = {};
    for (const [name, tensor] of Object.entries(torchTensors())) {
      two[`m0.${name}`] = tensor;
      two[`m1.${name}`] = tensor;
    }
    await expectLayoutError(
      () => readXlmMemory(buildSafetensors(two), { knn: 2 }),
      /holds 2 memory modules \('m0\.' \(xlm\), 'm1\.' \(xlm\)\): choose one by its prefix/,
    );
    expect((await readXlmMemory(buildSafetensors(two), { knn: 2, prefix: 'm1.' })).prefix).toBe('m1.');
  });
});

describe('XLM memory export', async () => {
  it('round-trips spec and weights through safetensors, with knn in __metadata__', async () => {
    const w = weightsFor(SPEC, 42);
    const bytes = writeXlmMemory(SPEC, w, { note: 'test' });
    const { tensors, metadata } = readSafetensors(bytes);
    expect(metadata).toEqual({ knn: '2', layout: 'xlm', note: 'test' });
    expect(Object.keys(tensors)).toEqual([
      'keys',
      'query_proj.query_mlps.0.bias',
      'query_proj.query_mlps.0.weight',
      'query_proj.query_mlps.1.bias',
      'query_proj.query_mlps.1.running_mean',
      'query_proj.query_mlps.1.running_var',
      'query_proj.query_mlps.1.weight',
      'values.weight',
    ]);
    expect(tensors[XLM_NAMES.queryW].shape).toEqual([12, 5]);
    // torch weight[o][i] is our queryW[i][o].
    expect(tensors[XLM_NAMES.queryW].data[7 * 5 + 3]).toBe(w.queryW[3 * 12 + 7]);
    const back = await importMemory(parseSafetensors(bytes));
    expect({ spec: back.module.spec, weights: back.module.weights, prefix: back.prefix }).toEqual({
      spec: SPEC,
      weights: w,
      prefix: '',
    });
    expect(writeXlmMemory(SPEC, w, { note: 'test' })).toEqual(bytes);
  });

  it('refuses what XLM cannot hold and weights of the wrong size', async () => {
    const w = weightsFor(SPEC);
    expect(() => exportXlmMemory({ ...SPEC, query_norm: 'layernorm' }, w)).toThrowError(/no LayerNorm query/);
    expect(() => exportXlmMemory({ ...SPEC, mem_plus: true }, w)).toThrowError(
      /memory\+ \(gate and projection\) has no XLM layout/,
    );
    expect(() => exportXlmMemory(SPEC, { ...w, values: new Float32Array(3) })).toThrowError(
      /weights.values must hold 48 values \(got 3\)/,
    );
    expect(() => exportXlmMemory(SPEC, { ...w, runningVar: undefined })).toThrowError(
      /weights.runningVar must hold 12 values/,
    );
    expect(exportXlmMemory(SPEC, w, 'layers.1.memory.')['layers.1.memory.keys'].shape).toEqual([2, 2, 4, 3]);
  });
});
