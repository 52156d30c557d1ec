/**
 * lucidrains/product-key-memory's `PKM(dim, heads, num_keys, topk, dim_head, ...)` state_dict:
 *   to_queries.weight            [2·H·d, dim]   no bias; rows split '(p h d)': every head's first
 *                                               half, then every head's second half
 *   norm.{weight,bias}           [d]            one LayerNorm over each half, shared by all heads and
 *                                               both halves (use_layernorm, the default)
 *   norm.fn.*                    [d]            its BatchNorm option: refused (see planLucidrains)
 *   pre_layernorm.{weight,bias}  [dim]          optional LayerNorm of the input
 *   keys                         [H, n, 2, d]   (half axis third)
 *   values.weight                [n², dim]      read with softmax weights (ReLU with
 *                                               non_competitive_gates, which the file cannot show)
 *   output_norm.{weight,bias}    [dim]          optional LayerNorm of the output (norm_output)
 *   maybe_concat_combine.2.weight [dim, d·H]    concat_values_and_combine: values [n², d]
 * A head's query is 2·d wide: the app's k_dim is 2·dim_head. topk (knn) is not in the file.
 */

import type { MemorySpec, MemoryWeights } from '../../memory/types';
import { product } from '../bytes';
import { shapeText } from '../errors';
import type { Float32Tensor, SafetensorsFile } from '../safetensors';
import { checkModuleSpec, type LayoutPlan, retrievalOnly } from './common';
import { MemoryLayoutError, ModuleTensors } from './tensors';
import type { Affine, Readout } from './types';

export const LUCIDRAINS_NAMES = {
  queries: 'to_queries.weight',
  keys: 'keys',
  values: 'values.weight',
  normWeight: 'norm.weight',
  normBias: 'norm.bias',
  preWeight: 'pre_layernorm.weight',
  preBias: 'pre_layernorm.bias',
  outWeight: 'output_norm.weight',
  outBias: 'output_norm.bias',
  combine: 'maybe_concat_combine.2.weight',
} as const;
const N = LUCIDRAINS_NAMES;

/** App query column (h, p, j) ← lucidrains row p·H·d + h·d + j. */
export function lucidrainsQueryToApp(w: Float32Array, heads: number, d: number, dim: number): Float32Array {
  const width = 2 * heads * d;
  const out = new Float32Array(dim * width);
  for (let p = 0; p < 2; p++) {
    for (let h = 0; h < heads; h++) {
      for (let j = 0; j < d; j++) {
        const row = (p * heads + h) * d + j;
        const col = h * 2 * d + p * d + j;
        for (let i = 0; i < dim; i++) out[i * width + col] = w[row * dim + i];
      }
    }
  }
  return out;
}

/** lucidrains keys [H, n, 2, d] → the app's [H, 2, n, d]. */
export function lucidrainsKeysToApp(keys: Float32Array, heads: number, n: number, d: number): Float32Array {
  const out = new Float32Array(keys.length);
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < n; i++) {
      for (let p = 0; p < 2; p++) {
        const from = ((h * n + i) * 2 + p) * d;
        out.set(keys.subarray(from, from + d), ((h * 2 + p) * n + i) * d);
      }
    }
  }
  return out;
}

/** One LayerNorm [d] for every head and half → the app's per-(head, half) affine [H·2d]. */
function tile(v: Float32Array, times: number): Float32Array {
  const out = new Float32Array(v.length * times);
  for (let i = 0; i < times; i++) out.set(v, i * v.length);
  return out;
}

export function planLucidrains(file: SafetensorsFile, prefix: string): LayoutPlan {
  const t: ModuleTensors = new ModuleTensors(file, prefix, 'lucidrains');
  const bn = t.namesIn('norm.fn.');
  if (bn.length > 0) {
    // PKM applies BatchNorm1d(dim_head) to queries shaped (b·p·h, t, d), i.e. over the sequence
    // axis (it only runs when the sequence length equals dim_head): its statistics are per token
    // position, which input vectors without positions cannot reproduce.
    t.fail(
      `its query BatchNorm (${t.quoted(bn[0])}, use_layernorm False) normalises over token positions in PKM, which vectors without positions cannot reproduce`,
    );
  }
  const [heads, nKeys, two, d] = t.dims(N.keys, 4, '[heads, num_keys, 2, dim_head]');
  if (two !== 2) {
    t.fail(
      `tensor ${t.quoted(N.keys)} [heads, num_keys, 2, dim_head] must have 2 halves on its third axis (got ${shapeText([heads, nKeys, two, d])})`,
    );
  }
  const [qRows, dim] = t.dims(N.queries, 2, '[2·heads·dim_head, dim]');
  if (qRows !== 2 * heads * d) {
    t.fail(
      `tensor ${t.quoted(N.queries)} has ${qRows} rows; keys ${shapeText([heads, nKeys, 2, d])} need 2·heads·dim_head = ${2 * heads * d}`,
    );
  }
  t.exact(N.normWeight, [d], '[dim_head]');
  t.exact(N.normBias, [d], '[dim_head]');
  const concat = t.has(N.combine);
  const [rows, vDim] = t.dims(N.values, 2, concat ? '[num_keys², dim_head]' : '[num_keys², dim]');
  if (rows !== nKeys * nKeys) {
    t.fail(`tensor ${t.quoted(N.values)} has ${rows} rows but keys imply num_keys² = ${nKeys * nKeys}`);
  }
  if (concat) {
    t.exact(N.values, [rows, d], '[num_keys², dim_head]');
    t.exact(N.combine, [dim, d * heads], '[dim, dim_head·heads]');
  } else if (vDim !== dim) {
    t.fail(
      `tensor ${t.quoted(N.values)} must be [num_keys², dim] = ${shapeText([rows, dim])} (got ${shapeText([rows, vDim])})`,
    );
  }
  const pre = t.has(N.preWeight) || t.has(N.preBias);
  if (pre) {
    t.exact(N.preWeight, [dim], '[dim]');
    t.exact(N.preBias, [dim], '[dim]');
  }
  const post = t.has(N.outWeight) || t.has(N.outBias);
  if (post) {
    t.exact(N.outWeight, [dim], '[dim]');
    t.exact(N.outBias, [dim], '[dim]');
  }
  const spec: MemorySpec = {
    d_in: dim,
    heads,
    n_keys: nKeys,
    k_dim: 2 * d,
    v_dim: vDim,
    knn: 1,
    query_norm: 'layernorm',
    mem_keys: 'product',
    mem_plus: false,
    d_out: concat ? dim : vDim,
  };
  checkModuleSpec(t, spec);
  for (const name of Object.values(N)) t.plan(name);
  const notes = [
    'Queries are split (p h d) and re-ordered per head; the LayerNorm [dim_head] shared by every head and half is applied to each.',
    ...(pre ? ['The input goes through pre_layernorm before the query network.'] : []),
    ...(post ? ['The output goes through output_norm (norm_output).'] : []),
    ...(concat
      ? [
          'concat_values_and_combine: PKM sums each head’s values without their weights, then projects; the output is not computed (slots, weights and coverage are).',
        ]
      : []),
    ...t.unknown(Object.values(N), ['norm.fn.']),
  ];
  const outputWidth = concat ? null : dim;
  return {
    layout: 'lucidrains',
    prefix,
    spec,
    outputWidth,
    notes,
    async load(knn, gates, signal) {
      const queryW = lucidrainsQueryToApp(await t.load(N.queries, signal), heads, d, dim);
      const keys = lucidrainsKeysToApp(await t.load(N.keys, signal), heads, nKeys, d);
      const gamma = await t.load(N.normWeight, signal);
      const beta = await t.load(N.normBias, signal);
      const values = concat ? null : await t.load(N.values, signal);
      const inputNorm: Affine | null = pre
        ? { weight: await t.load(N.preWeight, signal), bias: await t.load(N.preBias, signal) }
        : null;
      const outputNorm: Affine | undefined = post
        ? { weight: await t.load(N.outWeight, signal), bias: await t.load(N.outBias, signal) }
        : undefined;
      const full: MemorySpec = { ...spec, knn };
      // The module gives the output itself when nothing after the weighted sum is needed.
      const own = values !== null && !outputNorm && gates === 'softmax';
      const moduleSpec = own ? full : retrievalOnly(full);
      const weights: MemoryWeights = {
        queryW,
        queryB: new Float32Array(2 * heads * d),
        normGamma: tile(gamma, 2 * heads),
        normBeta: tile(beta, 2 * heads),
        keys,
        values: own ? values : new Float32Array(nKeys * nKeys),
      };
      const readout: Readout | null =
        own || values === null ? null : { kind: 'values', values, width: dim, outputNorm };
      return {
        layout: 'lucidrains',
        prefix,
        spec: full,
        module: { spec: moduleSpec, weights },
        inputNorm,
        gates,
        readout,
        outputWidth,
        notes,
      };
    },
  };
}

/** Why the app's memory cannot be written exactly as a lucidrains PKM (empty when it can). */
export function lucidrainsExportProblems(spec: MemorySpec, weights: MemoryWeights): string[] {
  const problems: string[] = [];
  if (spec.mem_keys !== 'product') problems.push('PKM has product keys only');
  if (spec.mem_plus) problems.push('PKM has no memory+ gate and projection');
  if (spec.query_norm !== 'layernorm')
    problems.push(`PKM normalises its query with LayerNorm (this memory: ${spec.query_norm})`);
  if (spec.v_dim !== spec.d_in)
    problems.push(`PKM's values are as wide as its input (v_dim ${spec.v_dim}, d_in ${spec.d_in})`);
  const half = spec.k_dim / 2;
  const blocks = 2 * spec.heads;
  // LayerNorm removes a constant per half, so only a bias constant within each half is harmless.
  const b = weights.queryB;
  for (let blk = 0; blk < blocks && problems.length < 8; blk++) {
    const first = b[blk * half];
    if (b.subarray(blk * half, (blk + 1) * half).some((v) => v !== first)) {
      problems.push('PKM’s query has no bias (this memory’s query bias is not constant within each half)');
      break;
    }
  }
  const same = (v: Float32Array | undefined) => {
    if (!v) return false;
    for (let i = half; i < v.length; i++) if (v[i] !== v[i % half]) return false;
    return true;
  };
  if (spec.query_norm === 'layernorm' && !(same(weights.normGamma) && same(weights.normBeta))) {
    problems.push(
      'PKM shares one LayerNorm [dim_head] across heads and halves (this memory has one per head and half)',
    );
  }
  return problems;
}

/** The PKM state_dict tensors of the app's memory (exact: refused when it cannot be). */
export function exportLucidrains(
  spec: MemorySpec,
  weights: MemoryWeights,
  prefix = '',
): Record<string, Float32Tensor> {
  const problems = lucidrainsExportProblems(spec, weights);
  if (problems.length > 0) throw new MemoryLayoutError('lucidrains', `cannot export: ${problems.join('; ')}`);
  const { heads, n_keys: n, d_in: dim } = spec;
  const d = spec.k_dim / 2;
  const width = 2 * heads * d;
  const w = new Float32Array(width * dim);
  for (let h = 0; h < heads; h++) {
    for (let p = 0; p < 2; p++) {
      for (let j = 0; j < d; j++) {
        const col = h * 2 * d + p * d + j;
        const row = (p * heads + h) * d + j;
        for (let i = 0; i < dim; i++) w[row * dim + i] = weights.queryW[i * width + col];
      }
    }
  }
  const keys = new Float32Array(weights.keys.length);
  for (let h = 0; h < heads; h++) {
    for (let p = 0; p < 2; p++) {
      for (let i = 0; i < n; i++) {
        const from = ((h * 2 + p) * n + i) * d;
        keys.set(weights.keys.subarray(from, from + d), ((h * n + i) * 2 + p) * d);
      }
    }
  }
  const out: Record<string, Float32Tensor> = {
    [prefix + N.queries]: { shape: [width, dim], data: w },
    [prefix + N.keys]: { shape: [heads, n, 2, d], data: keys },
    [prefix + N.values]: { shape: [n * n, dim], data: weights.values },
    [prefix + N.normWeight]: { shape: [d], data: weights.normGamma!.slice(0, d) },
    [prefix + N.normBias]: { shape: [d], data: weights.normBeta!.slice(0, d) },
  };
  for (const t of Object.values(out)) {
    if (t.data.length !== product(t.shape)) {
      throw new MemoryLayoutError(
        'lucidrains',
        `cannot export: a weight has ${t.data.length} values, not ${product(t.shape)}`,
      );
    }
  }
  return out;
}
