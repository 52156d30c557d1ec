/**
 * XLM's HashingMemoryProductFast state_dict (facebookresearch/XLM, xlm/model/memory/):
 *   keys                                  [H, 2, n, k_dim/2]  (one sub-key set per head and half)
 *   values.weight                         [n², v_dim]
 *   query_proj.query_mlps.0.weight        [H·k_dim, d_in]     (torch Linear: [out, in]; ours is [in, out])
 *   query_proj.query_mlps.0.bias          [H·k_dim]           (absent with mem_query_bias False)
 *   query_proj.query_mlps.1.{weight,bias,running_mean,running_var}  [H·k_dim]  BatchNorm1d, optional
 *   query_proj.query_mlps.1.num_batches_tracked                     ignored (any dtype)
 * Also read: keys [n, k_dim/2] (mem_use_different_keys False: one set shared by every head and
 * half) and flat keys [H, n², k_dim] (HashingMemoryFlat). The module's output is Σ softmax · value.
 */

import type { MemorySpec, MemoryWeights } from '../../memory/types';
import { product } from '../bytes';
import { shapeText } from '../errors';
import type { Float32Tensor, SafetensorsFile } from '../safetensors';
import { checkModuleSpec, type LayoutPlan, transpose } from './common';
import { MemoryLayoutError, ModuleTensors } from './tensors';

export const XLM_NAMES = {
  keys: 'keys',
  values: 'values.weight',
  queryW: 'query_proj.query_mlps.0.weight',
  queryB: 'query_proj.query_mlps.0.bias',
  normGamma: 'query_proj.query_mlps.1.weight',
  normBeta: 'query_proj.query_mlps.1.bias',
  runningMean: 'query_proj.query_mlps.1.running_mean',
  runningVar: 'query_proj.query_mlps.1.running_var',
  numBatchesTracked: 'query_proj.query_mlps.1.num_batches_tracked',
} as const;

const BN_NAMES = [XLM_NAMES.normGamma, XLM_NAMES.normBeta, XLM_NAMES.runningMean, XLM_NAMES.runningVar];

/** The query network and its optional BatchNorm, as XLM and lingua both store it. */
export function planQueryMlp(t: ModuleTensors, extra: readonly string[] = []) {
  const known = new Set<string>([...Object.values(XLM_NAMES), ...extra]);
  const deeper = t.namesIn('query_proj.').filter((n) => !known.has(n));
  if (deeper.length > 0) {
    t.fail(
      `tensor ${t.quoted(deeper[0])} belongs to a query network of more than one layer (mem_query_layer_sizes), which is not supported`,
    );
  }
  const [rows, dIn] = t.dims(XLM_NAMES.queryW, 2, '[heads·k_dim, d_in]');
  const present = BN_NAMES.filter((n) => t.has(n));
  if (present.length > 0 && present.length < BN_NAMES.length) {
    const missing = BN_NAMES.filter((n) => !t.has(n)).map((n) => t.quoted(n));
    t.fail(`the query BatchNorm is incomplete: ${missing.join(', ')} missing`);
  }
  return { rows, dIn, bias: t.has(XLM_NAMES.queryB), batchnorm: present.length === BN_NAMES.length };
}

/** Checks the query vectors' shapes against the width and decodes the query network. */
export async function loadQueryMlp(
  t: ModuleTensors,
  q: { rows: number; dIn: number; bias: boolean; batchnorm: boolean },
  signal?: AbortSignal,
): Promise<
  Pick<MemoryWeights, 'queryW' | 'queryB' | 'normGamma' | 'normBeta' | 'runningMean' | 'runningVar'>
> {
  const queryW = transpose(await t.load(XLM_NAMES.queryW, signal), q.rows, q.dIn);
  const out: Pick<
    MemoryWeights,
    'queryW' | 'queryB' | 'normGamma' | 'normBeta' | 'runningMean' | 'runningVar'
  > = {
    queryW,
    queryB: q.bias ? await t.load(XLM_NAMES.queryB, signal) : new Float32Array(q.rows),
  };
  if (q.batchnorm) {
    out.normGamma = await t.load(XLM_NAMES.normGamma, signal);
    out.normBeta = await t.load(XLM_NAMES.normBeta, signal);
    out.runningMean = await t.load(XLM_NAMES.runningMean, signal);
    out.runningVar = await t.load(XLM_NAMES.runningVar, signal);
    const bad = out.runningVar.findIndex((v) => v < 0);
    if (bad >= 0) t.fail(`tensor ${t.quoted(XLM_NAMES.runningVar)} has a negative variance at [${bad}]`);
  }
  return out;
}

/** Shape checks of the query vectors (bias, BatchNorm) against the query width. */
export function checkQueryVectors(t: ModuleTensors, q: { rows: number; bias: boolean; batchnorm: boolean }) {
  const vectors = [...(q.bias ? [XLM_NAMES.queryB] : []), ...(q.batchnorm ? BN_NAMES : [])];
  for (const name of vectors) {
    t.exact(name, [q.rows], '[heads·k_dim]');
    t.plan(name);
  }
  t.plan(XLM_NAMES.queryW);
}

export function planXlm(file: SafetensorsFile, prefix: string): LayoutPlan {
  const t: ModuleTensors = new ModuleTensors(file, prefix, 'xlm');
  const q = planQueryMlp(t);
  const keys = t.need(XLM_NAMES.keys, '[heads, 2, n_keys, k_dim/2]').shape;
  const [rows, vDim] = t.dims(XLM_NAMES.values, 2, '[n_keys², v_dim]');
  let heads: number;
  let nKeys: number;
  let kDim: number;
  let memKeys: MemorySpec['mem_keys'] = 'product';
  let shared = false;
  if (keys.length === 4) {
    const [h, two, n, half] = keys;
    if (two !== 2)
      t.fail(
        `tensor ${t.quoted('keys')} [heads, 2, n_keys, k_dim/2] must have 2 halves (got ${shapeText(keys)})`,
      );
    [heads, nKeys, kDim] = [h, n, 2 * half];
  } else if (keys.length === 2) {
    const [n, half] = keys;
    [nKeys, kDim, shared] = [n, 2 * half, true];
    if (kDim === 0 || q.rows % kDim !== 0) {
      t.fail(
        `shared keys ${shapeText(keys)} give k_dim ${kDim}, which does not divide the query size ${q.rows}`,
      );
    }
    heads = q.rows / kDim;
  } else if (keys.length === 3) {
    const [h, slots, k] = keys;
    nKeys = Math.round(Math.sqrt(slots));
    if (nKeys * nKeys !== slots) t.fail(`flat keys ${shapeText(keys)} must hold a square number of slots`);
    [heads, kDim, memKeys] = [h, k, 'flat'];
  } else {
    t.fail(`tensor ${t.quoted('keys')} must be [heads, 2, n_keys, k_dim/2] (got ${shapeText(keys)})`);
  }
  if (rows !== nKeys * nKeys) {
    t.fail(
      `tensor ${t.quoted(XLM_NAMES.values)} has ${rows} rows but keys ${shapeText(keys)} imply n_keys² = ${nKeys * nKeys}`,
    );
  }
  if (q.rows !== heads * kDim) {
    t.fail(
      `tensor ${t.quoted(XLM_NAMES.queryW)} has ${q.rows} rows; keys ${shapeText(keys)} need heads·k_dim = ${heads}·${kDim} = ${heads * kDim}`,
    );
  }
  const spec: MemorySpec = {
    d_in: q.dIn,
    heads,
    n_keys: nKeys,
    k_dim: kDim,
    v_dim: vDim,
    knn: 1,
    query_norm: q.batchnorm ? 'batchnorm' : 'none',
    mem_keys: memKeys,
    mem_plus: false,
    d_out: vDim,
  };
  // Every size is checked (and bounded) before anything is decoded or expanded.
  checkModuleSpec(t, spec);
  checkQueryVectors(t, q);
  for (const name of [XLM_NAMES.keys, XLM_NAMES.values]) t.plan(name);
  const notes = [
    ...(shared
      ? ['One set of sub-keys is shared by every head and both halves (mem_use_different_keys False).']
      : []),
    ...t.unknown(Object.values(XLM_NAMES)),
  ];
  return {
    layout: 'xlm',
    prefix,
    spec,
    outputWidth: vDim,
    notes,
    async load(knn, gates, signal) {
      const query = await loadQueryMlp(t, q, signal);
      let keyData = await t.load(XLM_NAMES.keys, signal);
      if (shared) {
        const one = keyData;
        keyData = new Float32Array(heads * 2 * one.length);
        for (let i = 0; i < 2 * heads; i++) keyData.set(one, i * one.length);
      }
      const weights: MemoryWeights = {
        ...query,
        keys: keyData,
        values: await t.load(XLM_NAMES.values, signal),
      };
      const full = { ...spec, knn };
      return {
        layout: 'xlm',
        prefix,
        spec: full,
        module: { spec: full, weights },
        inputNorm: null,
        gates,
        readout: null,
        outputWidth: vDim,
        notes,
      };
    },
  };
}

function expectLength(name: string, data: Float32Array | undefined, length: number): Float32Array {
  if (!data || data.length !== length) {
    throw new MemoryLayoutError(
      'xlm',
      `cannot export: weights.${name} must hold ${length} values (got ${data?.length})`,
    );
  }
  return data;
}

/** Why the app's memory cannot be written exactly in XLM's layout (empty when it can). */
export function xlmExportProblems(spec: MemorySpec): string[] {
  const problems: string[] = [];
  if (spec.mem_plus) problems.push('memory+ (gate and projection) has no XLM layout');
  if (spec.query_norm === 'layernorm') problems.push('XLM has no LayerNorm query (only BatchNorm or none)');
  return problems;
}

/** The XLM state_dict tensors of a memory module (names without prefix unless one is given). */
export function exportXlm(
  spec: MemorySpec,
  weights: MemoryWeights,
  prefix = '',
): Record<string, Float32Tensor> {
  const problems = xlmExportProblems(spec);
  if (problems.length > 0) throw new MemoryLayoutError('xlm', `cannot export: ${problems.join('; ')}`);
  const { heads, n_keys: n, k_dim: kDim, d_in: dIn, v_dim: vDim } = spec;
  const width = heads * kDim;
  const keysShape = spec.mem_keys === 'product' ? [heads, 2, n, kDim / 2] : [heads, n * n, kDim];
  const out: Record<string, Float32Tensor> = {};
  const put = (name: string, shape: number[], data: Float32Array | undefined, field: keyof MemoryWeights) => {
    out[prefix + name] = { shape, data: expectLength(field, data, product(shape)) };
  };
  put(XLM_NAMES.keys, keysShape, weights.keys, 'keys');
  put(XLM_NAMES.values, [n * n, vDim], weights.values, 'values');
  const queryW = expectLength('queryW', weights.queryW, dIn * width);
  out[prefix + XLM_NAMES.queryW] = { shape: [width, dIn], data: transpose(queryW, dIn, width) };
  put(XLM_NAMES.queryB, [width], weights.queryB, 'queryB');
  if (spec.query_norm === 'batchnorm') {
    put(XLM_NAMES.normGamma, [width], weights.normGamma, 'normGamma');
    put(XLM_NAMES.normBeta, [width], weights.normBeta, 'normBeta');
    put(XLM_NAMES.runningMean, [width], weights.runningMean, 'runningMean');
    put(XLM_NAMES.runningVar, [width], weights.runningVar, 'runningVar');
  }
  return out;
}
