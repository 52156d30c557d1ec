import { describe, expect, it } from 'vitest';
import { MismatchError } from '../../../src/model/io/errors';
import {
  describeMemoryFile,
  exportMemory,
  exportProblems,
  readMemoryFile,
  writeMemoryFile,
} from '../../../src/model/io/layouts';
import { lucidrainsKeysToApp, lucidrainsQueryToApp } from '../../../src/model/io/layouts/lucidrains';
import type { MemoryLayout } from '../../../src/model/io/layouts/types';
import { parseSafetensors, writeSafetensors } from '../../../src/model/io/safetensors';
import { createMemory } from '../../../src/model/memory/createMemory';
import type { MemorySpec } from '../../../src/model/memory/types';
import { initMemoryWeights } from '../../../src/model/memory/weights';
import { buildSafetensors, type RawTensor } from './buildSafetensors';
import { expectClose, expectSameReads, inputsFor, readAll } from './layoutHelpers';
import {
  linguaForward,
  linguaStateDict,
  pkmForward,
  pkmStateDict,
  prefixed,
  type StateDict,
} from './torchModules';

const B = 9;

describe('layout transforms, one by one', () => {
  it("lucidrains' (p h d) query rows become the app's per-head columns [h][p][d]", () => {
    // Row r of to_queries.weight holds r: rows 0..3 are the first halves of heads 0 and 1, 4..7 the second.
    const heads = 2;
    const d = 2;
    const app = lucidrainsQueryToApp(
      Float32Array.from({ length: 8 }, (_, r) => r),
      heads,
      d,
      1,
    );
    // App column h·2d + p·d + j ← row p·H·d + h·d + j: head 0 = rows 0,1 | 4,5; head 1 = rows 2,3 | 6,7.
    expect(Array.from(app)).toEqual([0, 1, 4, 5, 2, 3, 6, 7]);
    // With dim 2 the input index is the row of the app's [dim, width] matrix.
    const wide = lucidrainsQueryToApp(
      Float32Array.from({ length: 16 }, (_, i) => i),
      heads,
      d,
      2,
    );
    expect(Array.from(wide.subarray(0, 8))).toEqual([0, 2, 8, 10, 4, 6, 12, 14]);
    expect(Array.from(wide.subarray(8))).toEqual([1, 3, 9, 11, 5, 7, 13, 15]);
  });

  it('lucidrains keys [H, n, 2, d] move their half axis second: [H, 2, n, d]', () => {
    const [h, n, d] = [2, 3, 2];
    const code = (head: number, i: number, p: number, j: number) => 1000 * head + 100 * i + 10 * p + j;
    const keys = new Float32Array(h * n * 2 * d);
    for (let a = 0; a < h; a++)
      for (let i = 0; i < n; i++)
        for (let p = 0; p < 2; p++)
          for (let j = 0; j < d; j++) keys[((a * n + i) * 2 + p) * d + j] = code(a, i, p, j);
    const app = lucidrainsKeysToApp(keys, h, n, d);
    for (let a = 0; a < h; a++)
      for (let p = 0; p < 2; p++)
        for (let i = 0; i < n; i++)
          for (let j = 0; j < d; j++) expect(app[((a * 2 + p) * n + i) * d + j]).toBe(code(a, i, p, j));
  });

  it('lucidrains: the one LayerNorm [dim_head] is given to every head and half; the query has no bias', async () => {
    const sd = pkmStateDict({ dim: 6, heads: 3, numKeys: 5, dimHead: 4, seed: 3 });
    const memory = await readMemoryFile(writeSafetensors(sd), { knn: 4 });
    const { weights, spec } = memory.module;
    expect(spec).toMatchObject({ heads: 3, n_keys: 5, k_dim: 8, d_in: 6, query_norm: 'layernorm' });
    for (let block = 0; block < 6; block++) {
      expect(weights.normGamma!.subarray(block * 4, block * 4 + 4)).toEqual(sd['norm.weight'].data);
      expect(weights.normBeta!.subarray(block * 4, block * 4 + 4)).toEqual(sd['norm.bias'].data);
    }
    expect(weights.queryB.every((v) => v === 0)).toBe(true);
    expect(memory.layout).toBe('lucidrains');
  });

  it('lingua keys [2·H·n, k_dim/2] are the app keys [H, 2, n, k_dim/2] in the same order', async () => {
    const sd = linguaStateDict({ dim: 4, heads: 2, nKeys: 3, kDim: 4, seed: 5 });
    const codes = Float32Array.from({ length: 2 * 2 * 3 * 2 }, (_, i) => i);
    sd.keys = { shape: [12, 2], data: codes };
    const memory = await readMemoryFile(writeSafetensors(sd), { knn: 2 });
    expect(memory.layout).toBe('lingua');
    expect(memory.module.spec).toMatchObject({ heads: 2, n_keys: 3, k_dim: 4 });
    expect(memory.module.weights.keys).toEqual(codes);
  });

  it('lingua bf16 values decode exactly (the top half of float32)', async () => {
    const sd = linguaStateDict({ dim: 4, heads: 2, nKeys: 3, kDim: 4, seed: 6 });
    const raw: Record<string, RawTensor> = {};
    for (const [name, t] of Object.entries(sd))
      raw[name] = { dtype: 'F32', shape: t.shape, bytes: new Uint8Array(t.data.slice().buffer) };
    const values = sd['values.weight'].data;
    const bits = new Uint16Array(new Uint32Array(values.slice().buffer).map((b) => b >>> 16));
    raw['values.weight'] = {
      dtype: 'BF16',
      shape: sd['values.weight'].shape,
      bytes: new Uint8Array(bits.buffer),
    };
    const memory = await readMemoryFile(buildSafetensors(raw), { knn: 2 });
    const truncated = new Float32Array(
      new Uint32Array(values.slice().buffer).map((b) => b & 0xffff0000).buffer,
    );
    expect(memory.module.weights.values).toEqual(truncated);
  });
});

describe('lucidrains PKM: lookup against its forward on its own layout', () => {
  for (const [name, extra] of [
    ['default', {}],
    ['pre_layernorm and norm_output', { preLayernorm: true, normOutput: true }],
  ] as const) {
    it(name, async () => {
      const sd = pkmStateDict({ dim: 8, heads: 2, numKeys: 6, dimHead: 3, seed: 11, ...extra });
      const x = inputsFor(B, 8, 1);
      const memory = await readMemoryFile(writeSafetensors(sd), { knn: 4 });
      expect(memory.notes.join(' ')).toMatch(/\(p h d\)/);
      expectSameReads(await readAll(memory, x, B), pkmForward(sd, x, B, 4));
    });
  }

  it('non_competitive_gates: ReLU weights (with --gates relu), computed beside the module', async () => {
    const sd = pkmStateDict({ dim: 8, heads: 2, numKeys: 6, dimHead: 3, seed: 12 });
    const x = inputsFor(B, 8, 2);
    const memory = await readMemoryFile(writeSafetensors(sd), { knn: 6, gates: 'relu' });
    const want = pkmForward(sd, x, B, 6, true);
    expect(want.weights.flat(2).some((w) => w === 0)).toBe(true);
    expectSameReads(await readAll(memory, x, B), want);
  });
});

describe('lingua HashingMemory: lookup against its forward on its own layout', () => {
  const cases: [string, Parameters<typeof linguaStateDict>[0]][] = [
    ['plain values, query bias', { dim: 8, heads: 2, nKeys: 5, kDim: 6, seed: 21 }],
    ['no query bias', { dim: 8, heads: 2, nKeys: 5, kDim: 6, seed: 22, queryBias: false }],
    [
      'memory+ (swilu_projection, value_proj, mem_v_dim 5)',
      { dim: 8, heads: 3, nKeys: 4, kDim: 4, vDim: 5, swilu: true, seed: 23 },
    ],
    [
      'memory+ with mem_v_dim -1, gated',
      { dim: 6, heads: 2, nKeys: 5, kDim: 4, swilu: true, gated: true, seed: 24 },
    ],
    ['value_proj alone (mem_v_dim 3, no swilu)', { dim: 6, heads: 2, nKeys: 4, kDim: 4, vDim: 3, seed: 25 }],
    ['PEER', { dim: 6, heads: 2, nKeys: 5, kDim: 4, peer: true, seed: 26 }],
    ['PEER gated', { dim: 6, heads: 2, nKeys: 5, kDim: 4, peer: true, gated: true, seed: 27 }],
  ];
  for (const [name, options] of cases) {
    it(name, async () => {
      const sd = linguaStateDict(options);
      const x = inputsFor(B, options.dim, 3);
      const memory = await readMemoryFile(writeSafetensors(sd), { knn: 3 });
      expect(memory.layout).toBe('lingua');
      expectSameReads(await readAll(memory, x, B), linguaForward(sd, x, B, 3));
    });
  }

  it('PEER with value_proj and swilu_projection in the file (lingua builds them): unused, and said so', async () => {
    const sd = linguaStateDict({ dim: 6, heads: 2, nKeys: 4, kDim: 4, peer: true, seed: 28 });
    const extra = linguaStateDict({ dim: 6, heads: 2, nKeys: 4, kDim: 4, swilu: true, seed: 29 });
    for (const n of [
      'value_proj.weight',
      'value_proj.bias',
      'swilu_projection.weight',
      'swilu_projection.bias',
    ])
      sd[n] = extra[n];
    const x = inputsFor(B, 6, 4);
    const memory = await readMemoryFile(writeSafetensors(sd), { knn: 2 });
    expect(memory.notes.join(' ')).toMatch(/does not use them/);
    expectSameReads(await readAll(memory, x, B), linguaForward(sd, x, B, 2));
  });
});

describe('whole-model files', () => {
  const model = (): StateDict => {
    const sd: StateDict = { 'tok_embeddings.weight': { shape: [3, 8], data: new Float32Array(24) } };
    const pool = linguaStateDict({ dim: 8, heads: 2, nKeys: 4, kDim: 4, seed: 31 });
    for (const [layer, seed] of [
      [1, 31],
      [3, 32],
      [5, 33],
    ]) {
      const m = linguaStateDict({ dim: 8, heads: 2, nKeys: 4, kDim: 4, seed });
      // mem_share_values: only the first memory layer holds the pool.
      if (layer !== 1) delete m['values.weight'];
      else m['values.weight'] = pool['values.weight'];
      Object.assign(sd, prefixed(m, `layers.${layer}.feed_forward.`));
      sd[`layers.${layer}.attention.wq.weight`] = { shape: [8, 8], data: new Float32Array(64) };
    }
    return sd;
  };

  it('lists every memory with its layout; asks for a prefix; resolves the shared value pool', async () => {
    const sd = model();
    const bytes = writeSafetensors(sd);
    const description = describeMemoryFile(bytes);
    expect(description.memories.map((m) => [m.prefix, m.layout, m.n_keys, m.maxKnn])).toEqual([
      ['layers.1.feed_forward.', 'lingua', 4, 4],
      ['layers.3.feed_forward.', 'lingua', 4, 4],
      ['layers.5.feed_forward.', 'lingua', 4, 4],
    ]);
    expect(description.memories[1].notes.join(' ')).toMatch(/pool shared with 'layers\.1\.feed_forward\.'/);
    await expect(readMemoryFile(bytes, { knn: 2 })).rejects.toThrow(
      /holds 3 memory modules .*choose one by its prefix/,
    );
    const memory = await readMemoryFile(bytes, { knn: 2, prefix: 'layers.3.feed_forward.' });
    const x = inputsFor(B, 8, 5);
    const own = Object.fromEntries(
      Object.entries(sd)
        .filter(([n]) => n.startsWith('layers.3.feed_forward.'))
        .map(([n, t]) => [n.slice('layers.3.feed_forward.'.length), t]),
    );
    const want = linguaForward(own, x, B, 2, { 'values.weight': sd['layers.1.feed_forward.values.weight'] });
    expectSameReads(await readAll(memory, x, B), want);
  });

  it('a memory whose pool is not in the file: coverage only, the output not computed, and said so', async () => {
    const sd = linguaStateDict({ dim: 8, heads: 2, nKeys: 4, kDim: 4, seed: 34 });
    delete sd['values.weight'];
    const memory = await readMemoryFile(writeSafetensors(sd), { knn: 2 });
    expect(memory.outputWidth).toBeNull();
    expect(memory.notes.join(' ')).toMatch(/the output is not/);
    const x = inputsFor(B, 8, 6);
    expectSameReads(await readAll(memory, x, B), linguaForward(sd, x, B, 2));
  });

  it('describes a file from its header alone (the data need not be there)', () => {
    const bytes = writeSafetensors(
      prefixed(pkmStateDict({ dim: 8, heads: 2, numKeys: 6, dimHead: 3, seed: 1 }), 'blocks.2.ff.'),
    );
    const headerEnd = 8 + Number(new DataView(bytes.buffer).getBigUint64(0, true));
    const d = describeMemoryFile(bytes.subarray(0, headerEnd), bytes.length);
    expect(d.memories).toMatchObject([
      {
        prefix: 'blocks.2.ff.',
        layout: 'lucidrains',
        heads: 2,
        n_keys: 6,
        k_dim: 6,
        d_in: 8,
        suggestedKnn: 6,
      },
    ]);
  });
});

describe('export of the app memory in every layout, and back', () => {
  const base: MemorySpec = {
    d_in: 8,
    heads: 2,
    n_keys: 6,
    k_dim: 6,
    v_dim: 8,
    knn: 3,
    query_norm: 'none',
    mem_keys: 'product',
    mem_plus: false,
    d_out: 8,
  };
  /** The tensor names each PyTorch module registers (its state_dict keys), from the modules' code. */
  const MODULE_KEYS: Record<MemoryLayout, (spec: MemorySpec) => string[]> = {
    xlm: (s) => [
      'keys',
      'query_proj.query_mlps.0.bias',
      'query_proj.query_mlps.0.weight',
      ...(s.query_norm === 'batchnorm'
        ? [
            'query_proj.query_mlps.1.bias',
            'query_proj.query_mlps.1.running_mean',
            'query_proj.query_mlps.1.running_var',
            'query_proj.query_mlps.1.weight',
          ]
        : []),
      'values.weight',
    ],
    lucidrains: () => ['keys', 'norm.bias', 'norm.weight', 'to_queries.weight', 'values.weight'],
    lingua: (s) => [
      'keys',
      'query_proj.query_mlps.0.bias',
      'query_proj.query_mlps.0.weight',
      ...(s.mem_plus
        ? ['swilu_projection.bias', 'swilu_projection.weight', 'value_proj.bias', 'value_proj.weight']
        : []),
      'values.weight',
    ],
  };
  const cases: [MemoryLayout, MemorySpec][] = [
    ['xlm', { ...base, query_norm: 'batchnorm' }],
    ['xlm', base],
    ['lucidrains', { ...base, query_norm: 'layernorm' }],
    ['lingua', base],
    ['lingua', { ...base, mem_plus: true, v_dim: 5, d_out: 8 }],
  ];
  for (const [layout, spec] of cases) {
    it(`${layout} (${spec.query_norm}${spec.mem_plus ? ', memory+' : ''}): names and shapes of the module, same reads back`, async () => {
      const weights = initMemoryWeights(spec, 7);
      if (layout === 'lucidrains') {
        // PKM's query has no bias and one LayerNorm for every head and half.
        weights.queryB.fill(0);
        weights.normGamma = Float32Array.from({ length: 12 }, (_, i) => 1 + 0.1 * (i % 3));
        weights.normBeta = Float32Array.from({ length: 12 }, (_, i) => 0.05 * (i % 3));
      }
      if (spec.query_norm === 'batchnorm') {
        weights.runningMean = weights.runningMean!.map((_, i) => 0.01 * i);
        weights.runningVar = weights.runningVar!.map((_, i) => 1 + 0.02 * i);
      }
      expect(exportProblems(layout, spec, weights)).toEqual([]);
      const bytes = writeMemoryFile(layout, spec, weights);
      const file = parseSafetensors(bytes);
      expect([...file.tensors.keys()]).toEqual(MODULE_KEYS[layout](spec));
      const read = await readMemoryFile(bytes);
      expect(read.layout).toBe(layout);
      expect(read.spec.knn).toBe(3);
      const x = inputsFor(B, 8, 8);
      const mine = createMemory(spec, { weights });
      const { forwardChunks } = await import('../../../src/model/memory/forwardChunks');
      const want: number[][] = [];
      const slots: number[] = [];
      for await (const c of forwardChunks(mine, x, B)) {
        for (let b = 0; b < c.rows; b++) want.push(Array.from(c.output.subarray(b * 8, (b + 1) * 8)));
        slots.push(...c.slots);
      }
      mine.dispose();
      const got = await readAll(read, x, B);
      expect(got.indices.flat(2)).toEqual(slots);
      expectClose(got.output!.flat(), want.flat());
    });
  }

  it('refuses what a layout cannot hold exactly, naming it', () => {
    const ln: MemorySpec = { ...base, query_norm: 'layernorm' };
    const w = initMemoryWeights(ln, 1);
    expect(exportProblems('xlm', ln, w)).toEqual(['XLM has no LayerNorm query (only BatchNorm or none)']);
    expect(exportProblems('lucidrains', ln, w).join('; ')).toMatch(/query has no bias/);
    expect(() => exportMemory('lucidrains', base, initMemoryWeights(base, 1))).toThrow(
      /lucidrains layout: cannot export: PKM normalises its query with LayerNorm \(this memory: none\)/,
    );
    expect(exportProblems('lingua', { ...base, query_norm: 'batchnorm' }, w).join()).toMatch(/BatchNorm/);
    expect(exportProblems('lingua', { ...base, heads: 1, k_dim: 12 }, w).join()).toMatch(/at least 2 heads/);
  });
});

describe('bad input: one line naming the layout, the tensor and what was expected', () => {
  const pkm = () => pkmStateDict({ dim: 8, heads: 2, numKeys: 6, dimHead: 3, seed: 41 });
  const lingua = () => linguaStateDict({ dim: 8, heads: 2, nKeys: 4, kDim: 4, seed: 42 });
  const fails = async (
    sd: StateDict | Uint8Array,
    options: Parameters<typeof readMemoryFile>[1],
    message: RegExp,
  ) => {
    const bytes = sd instanceof Uint8Array ? sd : writeSafetensors(sd);
    const err = await readMemoryFile(bytes, options).then(
      () => null,
      (e: Error) => e,
    );
    expect(err).not.toBeNull();
    expect(err!.message).toMatch(message);
    expect(err!.message).not.toMatch(/\n/);
    expect(err!.message.length).toBeLessThan(300);
    return err!;
  };

  it('missing tensors and wrong shapes', async () => {
    const a = pkm();
    delete a['norm.weight'];
    await fails(a, { knn: 2 }, /^lucidrains layout: tensor 'norm\.weight' \[dim_head\] is missing$/);
    const b = pkm();
    b['to_queries.weight'] = { shape: [10, 8], data: new Float32Array(80) };
    await fails(
      b,
      { knn: 2 },
      /^lucidrains layout: tensor 'to_queries\.weight' has 10 rows; keys \[2, 6, 2, 3\] need 2·heads·dim_head = 12$/,
    );
    const c = lingua();
    c['values.weight'] = { shape: [15, 8], data: new Float32Array(120) };
    await fails(
      c,
      { knn: 2 },
      /^lingua layout: tensor 'values\.weight' has 15 rows but keys imply n_keys² = 16$/,
    );
    const d = lingua();
    d['gating.weight'] = { shape: [2, 8], data: new Float32Array(16) };
    await fails(
      d,
      { knn: 2 },
      /^lingua layout: tensor 'gating\.weight' must be \[1, d_in\] = \[1, 8\] \(got \[2, 8\]\)$/,
    );
    await fails(
      pkm(),
      { knn: 2, layout: 'lingua' },
      /^lingua layout: tensor 'query_proj\.query_mlps\.0\.weight' \[heads·k_dim, d_in\] is missing$/,
    );
    await fails(
      lingua(),
      { knn: 2, layout: 'lucidrains' },
      /^lucidrains layout: tensor 'keys' must be \[heads, num_keys, 2, dim_head\] \(got \[16, 2\]\)$/,
    );
  });

  it('knn: missing from a state_dict, larger than the sub-keys, over the app limit; a MismatchError', async () => {
    const e = await fails(
      pkm(),
      {},
      /^lucidrains layout: knn \(slots read per head\) is not in the file.*PKM’s topk, 32 by default/,
    );
    expect(e).toBeInstanceOf(MismatchError);
    expect(
      await fails(
        pkm(),
        { knn: 7 },
        /^lucidrains layout: knn 7 is more than the 6 sub-keys per half \(n_keys\) of this memory$/,
      ),
    ).toBeInstanceOf(MismatchError);
    await fails(lingua(), { knn: 2, gates: 'relu' }, /ReLU gates .* only in the lucidrains layout/);
  });

  it('integer and complex dtypes, NaN and Infinity in weights', async () => {
    const raw = (sd: StateDict, edit: (r: Record<string, RawTensor>) => void) => {
      const r: Record<string, RawTensor> = {};
      for (const [n, t] of Object.entries(sd))
        r[n] = { dtype: 'F32', shape: t.shape, bytes: new Uint8Array(t.data.slice().buffer) };
      edit(r);
      return buildSafetensors(r);
    };
    await fails(
      raw(pkm(), (r) => {
        r.keys = { ...r.keys, dtype: 'I32' };
      }),
      { knn: 2 },
      /^lucidrains layout: tensor 'keys' has dtype I32; it must be a float tensor \(F32, F16, BF16, F64\)/,
    );
    await fails(
      raw(lingua(), (r) => {
        r['values.weight'] = { dtype: 'C64', shape: [16, 4], bytes: r['values.weight'].bytes };
      }),
      { knn: 2 },
      /^lingua layout: tensor 'values\.weight' has dtype C64; it must be a float tensor/,
    );
    const nan = pkm();
    nan['values.weight'].data[5 * 8 + 3] = Number.NaN;
    await fails(nan, { knn: 2 }, /^lucidrains layout: tensor 'values\.weight' holds NaN at \[5, 3\]$/);
    const inf = lingua();
    inf.keys.data[3] = Number.NEGATIVE_INFINITY;
    await fails(inf, { knn: 2 }, /^lingua layout: tensor 'keys' holds -Infinity at \[1, 1\]$/);
  });

  it("lucidrains' BatchNorm option and PEER-pytorch are refused with the reason", async () => {
    const bn = pkm();
    delete bn['norm.weight'];
    delete bn['norm.bias'];
    bn['norm.fn.weight'] = { shape: [3], data: new Float32Array(3) };
    await fails(bn, { knn: 2 }, /^lucidrains layout: its query BatchNorm .*token positions/);
    const peer: StateDict = {
      keys: { shape: [2, 4, 2, 3], data: new Float32Array(48) },
      'weight_down_embed.weight': { shape: [16, 6], data: new Float32Array(96) },
      'to_queries.0.weight': { shape: [12, 6], data: new Float32Array(72) },
    };
    await fails(peer, { knn: 2 }, /PEER-pytorch layout .* is not read/);
  });

  it('not a memory, several memories, a wrong prefix', async () => {
    await fails(
      { a: { shape: [1], data: new Float32Array(1) } },
      { knn: 2 },
      /^no memory module found: no 'keys' beside a query network .*\(tensors: 'a'\)$/,
    );
    await fails(
      prefixed(pkm(), 'm.'),
      { knn: 2, prefix: 'x.' },
      /there is no tensor 'x\.keys' \(memories in the file: 'm\.'\)/,
    );
    const many: StateDict = {};
    for (let i = 0; i < 40; i++) Object.assign(many, prefixed(pkm(), `layers.${i}.pkm.`));
    await fails(
      many,
      { knn: 2 },
      /holds 40 memory modules \('layers\.0\.pkm\.' \(lucidrains\), .* and 36 more\): choose one/,
    );
  });

  it('unknown tensors inside the module are refused, not dropped', async () => {
    const sd = prefixed(lingua(), 'layers.2.feed_forward.');
    sd['layers.2.feed_forward.extra_gate.weight'] = { shape: [2], data: new Float32Array(2) };
    await fails(
      sd,
      { knn: 2 },
      /^lingua layout: tensor 'layers\.2\.feed_forward\.extra_gate\.weight' of this module cannot be read$/,
    );
  });
});
