/**
 * One memory module in the layout of XLM's HashingMemoryProductFast state_dict, so that
 * `safetensors.torch.save_file(memory.state_dict(), path)` loads here and our export loads there:
 *   keys                                  [H, 2, n, k_dim/2]  (product keys, one set per head and half)
 *   values.weight                         [n², v_dim]
 *   query_proj.query_mlps.0.weight        [H·k_dim, d_in]     (torch Linear: [out, in]; ours is [in, out])
 *   query_proj.query_mlps.0.bias          [H·k_dim]           (absent when XLM ran with mem_query_bias False)
 *   query_proj.query_mlps.1.{weight,bias,running_mean,running_var}  [H·k_dim]  BatchNorm1d, optional
 *   query_proj.query_mlps.1.num_batches_tracked                     ignored (any dtype)
 * Also read: keys [n, k_dim/2] (XLM with mem_use_different_keys False: one set shared by all heads
 * and both halves) and flat keys [H, n², k_dim] (XLM's HashingMemoryFlat). knn is not a tensor: it
 * comes from the caller or from the `knn` entry of __metadata__, which the export writes.
 */
import type { MemorySpec, MemoryWeights } from '../memory/types';
import { type BinaryInput, product } from './bytes';
import { preview, XlmLayoutError } from './errors';
import {
  FLOAT_DTYPES,
  type Float32Tensor,
  parseSafetensors,
  type SafetensorsFile,
  tensorFloat32,
  writeSafetensors,
} from './safetensors';

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

/** The __metadata__ key that carries knn (XLM's mem_knn), which no tensor shape reveals. */
export const KNN_METADATA_KEY = 'knn';

export interface XlmImportOptions {
  /** Overrides the file's __metadata__ knn. */
  knn?: number;
  /**
   * Name prefix of the memory inside a larger state_dict (e.g. 'layers.5.memory.'). By default the
   * prefix is found: the file must then hold exactly one memory module.
   */
  prefix?: string;
}

export interface XlmMemory {
  spec: MemorySpec;
  weights: MemoryWeights;
  /** The prefix the module was found under ('' for a file of one module). */
  prefix: string;
}

function fail(message: string): never {
  throw new XlmLayoutError(`not an XLM memory module: ${message}`);
}

function shapeText(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** Prefixes p for which both `${p}keys` and `${p}values.weight` exist. */
function findPrefixes(names: Iterable<string>): string[] {
  const all = new Set(names);
  const found: string[] = [];
  for (const name of all) {
    if (!name.endsWith(XLM_NAMES.keys)) continue;
    const prefix = name.slice(0, name.length - XLM_NAMES.keys.length);
    if ((prefix === '' || prefix.endsWith('.')) && all.has(prefix + XLM_NAMES.values)) found.push(prefix);
  }
  return found.sort();
}

function resolvePrefix(file: SafetensorsFile, prefix: string | undefined): string {
  if (prefix !== undefined) {
    if (!file.tensors.has(prefix + XLM_NAMES.keys)) fail(`there is no tensor '${prefix}${XLM_NAMES.keys}'`);
    return prefix;
  }
  const found = findPrefixes(file.tensors.keys());
  if (found.length === 1) return found[0];
  if (found.length === 0) {
    const names = [...file.tensors.keys()];
    const shown = names.slice(0, 8).join(', ') + (names.length > 8 ? `, … (${names.length} in all)` : '');
    fail(`no '${XLM_NAMES.keys}' with '${XLM_NAMES.values}' beside it (tensors: ${shown || 'none'})`);
  }
  fail(
    `it holds ${found.length} memory modules (${found.map((p) => `'${p}'`).join(', ')}); choose one by its prefix`,
  );
}

function resolveKnn(file: SafetensorsFile, knn: number | undefined, nKeys: number): number {
  let value = knn;
  if (value === undefined) {
    const stored = file.metadata[KNN_METADATA_KEY];
    if (stored === undefined) {
      fail(
        `knn is not in the file's __metadata__ (key '${KNN_METADATA_KEY}'): give it explicitly (e.g. --knn 32)`,
      );
    }
    if (!/^\d+$/.test(stored.trim())) fail(`__metadata__ knn must be an integer (got ${preview(stored)})`);
    value = Number(stored);
  }
  if (!Number.isInteger(value) || value < 1 || value > nKeys) {
    fail(`knn must be an integer from 1 to n_keys = ${nKeys} (got ${value})`);
  }
  return value;
}

/** Builds a MemorySpec and MemoryWeights from the tensors of a parsed safetensors file. */
export function importXlmMemory(file: SafetensorsFile, options: XlmImportOptions = {}): XlmMemory {
  const prefix = resolvePrefix(file, options.prefix);
  const has = (name: string) => file.tensors.has(prefix + name);
  const get = (name: string): Float32Tensor => {
    const info = file.tensors.get(prefix + name);
    if (!info) fail(`the tensor '${prefix}${name}' is missing`);
    if (!FLOAT_DTYPES.includes(info.dtype)) {
      fail(
        `tensor '${prefix}${name}' has dtype ${info.dtype}; a float type (${FLOAT_DTYPES.join(', ')}) is needed`,
      );
    }
    return tensorFloat32(file, prefix + name);
  };

  if (!has(XLM_NAMES.queryW)) {
    fail(
      `'${prefix}${XLM_NAMES.queryW}' is missing: only a one-layer query network (mem_query_layer_sizes '0,0') is supported`,
    );
  }
  for (const name of file.tensors.keys()) {
    const rest = name.startsWith(`${prefix}query_proj.`) ? name.slice(prefix.length) : null;
    if (rest && !Object.values(XLM_NAMES).includes(rest as (typeof XLM_NAMES)[keyof typeof XLM_NAMES])) {
      fail(`'${name}' belongs to a query network of more than one layer, which is not supported`);
    }
  }

  const queryW = get(XLM_NAMES.queryW);
  if (queryW.shape.length !== 2)
    fail(`${XLM_NAMES.queryW} must be 2-D [heads·k_dim, d_in] (got ${shapeText(queryW.shape)})`);
  const [queryRows, dIn] = queryW.shape;
  const keys = get(XLM_NAMES.keys);
  const values = get(XLM_NAMES.values);
  if (values.shape.length !== 2)
    fail(`${XLM_NAMES.values} must be 2-D [n_keys², v_dim] (got ${shapeText(values.shape)})`);
  const [rows, vDim] = values.shape;

  let heads: number;
  let nKeys: number;
  let kDim: number;
  let memKeys: MemorySpec['mem_keys'] = 'product';
  let keyData = keys.data;
  if (keys.shape.length === 4) {
    const [h, two, n, half] = keys.shape;
    if (two !== 2) fail(`keys [heads, 2, n_keys, k_dim/2] must have 2 halves (got ${shapeText(keys.shape)})`);
    [heads, nKeys, kDim] = [h, n, 2 * half];
  } else if (keys.shape.length === 2) {
    const [n, half] = keys.shape;
    [nKeys, kDim] = [n, 2 * half];
    if (kDim === 0 || queryRows % kDim !== 0) {
      fail(
        `shared keys ${shapeText(keys.shape)} give k_dim ${kDim}, which does not divide the query size ${queryRows}`,
      );
    }
    heads = queryRows / kDim;
    // One key set serves every head and both halves: expand it to the per-head layout.
    keyData = new Float32Array(heads * 2 * keys.data.length);
    for (let i = 0; i < 2 * heads; i++) keyData.set(keys.data, i * keys.data.length);
  } else if (keys.shape.length === 3) {
    const [h, slots, k] = keys.shape;
    nKeys = Math.round(Math.sqrt(slots));
    if (nKeys * nKeys !== slots)
      fail(`flat keys ${shapeText(keys.shape)} must hold a square number of slots`);
    [heads, kDim, memKeys] = [h, k, 'flat'];
  } else {
    fail(`keys must be [heads, 2, n_keys, k_dim/2] (got ${shapeText(keys.shape)})`);
  }
  if (heads < 1 || nKeys < 1 || kDim < 1) fail(`keys ${shapeText(keys.shape)} have an empty dimension`);
  if (memKeys === 'product' && kDim % 2 !== 0) fail(`k_dim must be even (got ${kDim})`);
  if (rows !== nKeys * nKeys) {
    fail(
      `${XLM_NAMES.values} has ${rows} rows but keys ${shapeText(keys.shape)} imply n_keys² = ${nKeys * nKeys}`,
    );
  }
  if (queryRows !== heads * kDim) {
    fail(
      `${XLM_NAMES.queryW} ${shapeText(queryW.shape)} must have heads·k_dim = ${heads}·${kDim} = ${heads * kDim} rows`,
    );
  }
  if (dIn < 1 || vDim < 1) fail('d_in and v_dim must be at least 1');

  const width = heads * kDim;
  const vector = (name: string): Float32Array => {
    const t = get(name);
    if (t.shape.length !== 1 || t.shape[0] !== width) {
      fail(`${name} must be [heads·k_dim] = [${width}] (got ${shapeText(t.shape)})`);
    }
    return t.data;
  };
  const bnNames = [XLM_NAMES.normGamma, XLM_NAMES.normBeta, XLM_NAMES.runningMean, XLM_NAMES.runningVar];
  const bnPresent = bnNames.filter(has);
  if (bnPresent.length > 0 && bnPresent.length < bnNames.length) {
    fail(`BatchNorm is incomplete: ${bnNames.filter((n) => !has(n)).join(', ')} missing`);
  }
  const batchnorm = bnPresent.length === bnNames.length;

  const weights: MemoryWeights = {
    queryW: transpose(queryW.data, queryRows, dIn),
    queryB: has(XLM_NAMES.queryB) ? vector(XLM_NAMES.queryB) : new Float32Array(width),
    keys: keyData,
    values: values.data,
  };
  if (batchnorm) {
    weights.normGamma = vector(XLM_NAMES.normGamma);
    weights.normBeta = vector(XLM_NAMES.normBeta);
    weights.runningMean = vector(XLM_NAMES.runningMean);
    weights.runningVar = vector(XLM_NAMES.runningVar);
    if (weights.runningVar.some((v) => !(v >= 0)))
      fail(`${XLM_NAMES.runningVar} has negative or NaN entries`);
  }
  const spec: MemorySpec = {
    d_in: dIn,
    heads,
    n_keys: nKeys,
    k_dim: kDim,
    v_dim: vDim,
    knn: resolveKnn(file, options.knn, memKeys === 'product' ? nKeys : nKeys * nKeys),
    query_norm: batchnorm ? 'batchnorm' : 'none',
    mem_keys: memKeys,
    mem_plus: false,
    d_out: vDim,
  };
  return { spec, weights, prefix };
}

/** Parses safetensors bytes and imports the memory module in them. */
export function readXlmMemory(input: BinaryInput, options: XlmImportOptions = {}): XlmMemory {
  return importXlmMemory(parseSafetensors(input), options);
}

/** [rows, cols] row-major → [cols, rows] row-major. */
export function transpose(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c];
  }
  return out;
}

function expectLength(name: string, data: Float32Array | undefined, length: number): Float32Array {
  if (!data || data.length !== length) {
    throw new XlmLayoutError(
      `cannot export: weights.${name} must hold ${length} values (got ${data?.length})`,
    );
  }
  return data;
}

/** The XLM state_dict tensors of a memory module (names without prefix unless one is given). */
export function exportXlmMemory(
  spec: MemorySpec,
  weights: MemoryWeights,
  prefix = '',
): Record<string, Float32Tensor> {
  if (spec.mem_plus)
    throw new XlmLayoutError('cannot export: memory+ (gate and projection) has no XLM layout');
  if (spec.query_norm === 'layernorm') {
    throw new XlmLayoutError('cannot export: XLM has no LayerNorm query (only BatchNorm or none)');
  }
  const { heads, n_keys: n, k_dim: kDim, d_in: dIn, v_dim: vDim } = spec;
  if (spec.mem_keys === 'product' && kDim % 2 !== 0) {
    throw new XlmLayoutError(`cannot export: product keys need an even k_dim (got ${kDim})`);
  }
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

/** A safetensors file of one memory module in the XLM layout, with knn in __metadata__. */
export function writeXlmMemory(
  spec: MemorySpec,
  weights: MemoryWeights,
  metadata: Readonly<Record<string, string>> = {},
): Uint8Array {
  return writeSafetensors(exportXlmMemory(spec, weights), {
    ...metadata,
    [KNN_METADATA_KEY]: String(spec.knn),
  });
}
