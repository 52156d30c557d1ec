import { describe, expect, it } from 'vitest';
import { XlmLayoutError } from '../../../src/model/io/errors';
import { parseSafetensors, readSafetensors } from '../../../src/model/io/safetensors';
import {
  exportXlmMemory,
  importXlmMemory,
  readXlmMemory,
  transpose,
  writeXlmMemory,
  XLM_NAMES,
} from '../../../src/model/io/xlmMemory';
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

function expectLayoutError(fn: () => unknown, message: RegExp) {
  expect(fn).toThrowError(XlmLayoutError);
  expect(fn).toThrowError(message);
}

describe('XLM memory import', () => {
  it('reads a PyTorch state_dict: shapes give the spec, the Linear weight is transposed', () => {
    const w = weightsFor(SPEC);
    const { spec, weights, prefix } = readXlmMemory(buildSafetensors(torchTensors(SPEC, w)), { knn: 2 });
    expect(prefix).toBe('');
    expect(spec).toEqual(SPEC);
    expect(weights).toEqual(w);
  });

  it('takes knn from __metadata__, lets an argument override it, and names it when missing', () => {
    const bytes = buildSafetensors(torchTensors(), { knn: '3' });
    expect(readXlmMemory(bytes).spec.knn).toBe(3);
    expect(readXlmMemory(bytes, { knn: 1 }).spec.knn).toBe(1);
    expectLayoutError(
      () => readXlmMemory(buildSafetensors(torchTensors())),
      /knn is not in the file's __metadata__ \(key 'knn'\)/,
    );
    expectLayoutError(
      () => readXlmMemory(bytes, { knn: 5 }),
      /knn must be an integer from 1 to n_keys = 4 \(got 5\)/,
    );
    expectLayoutError(
      () => readXlmMemory(buildSafetensors(torchTensors(), { knn: 'many' })),
      /__metadata__ knn must be an integer/,
    );
  });

  it('without BatchNorm and bias: query_norm none and a zero bias', () => {
    const t = torchTensors({ ...SPEC, query_norm: 'none' }, weightsFor({ ...SPEC, query_norm: 'none' }));
    delete t[XLM_NAMES.queryB];
    const { spec, weights } = readXlmMemory(buildSafetensors(t), { knn: 2 });
    expect(spec.query_norm).toBe('none');
    expect(weights.queryB).toEqual(new Float32Array(12));
    expect(weights.normGamma).toBeUndefined();
  });

  it('converts F16 / BF16 tensors and finds the module inside a larger state_dict', () => {
    const t = torchTensors();
    // values as BF16: the top halves of exactly representable floats.
    const vals = new Float32Array([0.5, -1, 2, 0.25]).map((v, i) => v * (1 + (i % 3)));
    const tiled = new Float32Array(16 * 3).map((_, i) => vals[i % 4]);
    const bf16 = new Uint16Array(new Uint32Array(tiled.buffer).map((b) => b >>> 16));
    t['values.weight'] = { dtype: 'BF16', shape: [16, 3], bytes: new Uint8Array(bf16.buffer) };
    const whole: Record<string, RawTensor> = { 'embeddings.weight': f32([2, 2], [1, 2, 3, 4]) };
    for (const [name, tensor] of Object.entries(t)) whole[`layers.3.memory.${name}`] = tensor;
    const { weights, prefix } = readXlmMemory(buildSafetensors(whole), { knn: 2 });
    expect(prefix).toBe('layers.3.memory.');
    expect(weights.values).toEqual(tiled);
  });

  it('expands shared keys [n, k_dim/2] to every head and half; reads flat keys [H, n², k_dim]', () => {
    const t = torchTensors({ ...SPEC, query_norm: 'none' }, weightsFor({ ...SPEC, query_norm: 'none' }));
    const shared = randomFloats(4 * 3, 9);
    t.keys = f32([4, 3], shared);
    const { spec, weights } = readXlmMemory(buildSafetensors(t), { knn: 2 });
    expect(spec.heads).toBe(2);
    expect(spec.k_dim).toBe(6);
    for (let i = 0; i < 4; i++) expect(weights.keys.subarray(i * 12, (i + 1) * 12)).toEqual(shared);

    const flatSpec: MemorySpec = { ...SPEC, query_norm: 'none', mem_keys: 'flat', knn: 5 };
    const flatW = weightsFor(flatSpec);
    const round = readXlmMemory(writeXlmMemory(flatSpec, flatW));
    expect(round.spec).toEqual(flatSpec);
    expect(round.weights).toEqual(flatW);
    expect(parseSafetensors(writeXlmMemory(flatSpec, flatW)).tensors.get('keys')?.shape).toEqual([2, 16, 6]);
  });

  it('names every inconsistency', () => {
    const bad = (edit: (t: Record<string, RawTensor>) => void) => {
      const t = torchTensors();
      edit(t);
      return () => readXlmMemory(buildSafetensors(t), { knn: 2 });
    };
    expectLayoutError(
      bad((t) => {
        t['values.weight'] = f32([15, 3], new Float32Array(45));
      }),
      /values.weight has 15 rows but keys \[2, 2, 4, 3\] imply n_keys² = 16/,
    );
    expectLayoutError(
      bad((t) => {
        t.keys = f32([2, 3, 4, 3], new Float32Array(72));
      }),
      /must have 2 halves \(got \[2, 3, 4, 3\]\)/,
    );
    expectLayoutError(
      bad((t) => {
        t.keys = f32([2, 2, 4, 3, 1], new Float32Array(48));
      }),
      /keys must be \[heads, 2, n_keys, k_dim\/2\]/,
    );
    expectLayoutError(
      bad((t) => {
        t[XLM_NAMES.queryW] = f32([10, 5], new Float32Array(50));
      }),
      /must have heads·k_dim = 2·6 = 12 rows/,
    );
    expectLayoutError(
      bad((t) => {
        t[XLM_NAMES.queryB] = f32([11], new Float32Array(11));
      }),
      /query_mlps.0.bias must be \[heads·k_dim\] = \[12\] \(got \[11\]\)/,
    );
    expectLayoutError(
      bad((t) => {
        delete t[XLM_NAMES.runningVar];
      }),
      /BatchNorm is incomplete: query_proj.query_mlps.1.running_var missing/,
    );
    expectLayoutError(
      bad((t) => {
        t[XLM_NAMES.runningVar] = f32([12], new Float32Array(12).fill(-1));
      }),
      /running_var has negative or NaN entries/,
    );
    expectLayoutError(
      bad((t) => {
        t['query_proj.query_mlps.3.weight'] = f32([12, 12], new Float32Array(144));
      }),
      /more than one layer, which is not supported/,
    );
    expectLayoutError(
      bad((t) => {
        delete t[XLM_NAMES.queryW];
      }),
      /only a one-layer query network/,
    );
    expectLayoutError(
      bad((t) => {
        t.keys = { dtype: 'I32', shape: [2, 2, 4, 3], bytes: new Uint8Array(192) };
      }),
      /tensor 'keys' has dtype I32; a float type/,
    );
    expectLayoutError(
      () => readXlmMemory(buildSafetensors({ a: f32([1], [1]) })),
      /no 'keys' with 'values.weight' beside it \(tensors: a\)/,
    );
    const two: Record<string, RawTensor> = {};
    for (const [name, tensor] of Object.entries(torchTensors())) {
      two[`m0.${name}`] = tensor;
      two[`m1.${name}`] = tensor;
    }
    expectLayoutError(
      () => readXlmMemory(buildSafetensors(two), { knn: 2 }),
      /holds 2 memory modules \('m0\.', 'm1\.'\)/,
    );
    expect(readXlmMemory(buildSafetensors(two), { knn: 2, prefix: 'm1.' }).prefix).toBe('m1.');
  });
});

describe('XLM memory export', () => {
  it('round-trips spec and weights through safetensors, with knn in __metadata__', () => {
    const w = weightsFor(SPEC, 42);
    const bytes = writeXlmMemory(SPEC, w, { note: 'test' });
    const { tensors, metadata } = readSafetensors(bytes);
    expect(metadata).toEqual({ knn: '2', note: 'test' });
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
    expect(importXlmMemory(parseSafetensors(bytes))).toEqual({ spec: SPEC, weights: w, prefix: '' });
    expect(writeXlmMemory(SPEC, w, { note: 'test' })).toEqual(bytes);
  });

  it('refuses what XLM cannot hold and weights of the wrong size', () => {
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
