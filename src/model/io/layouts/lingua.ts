/**
 * Memory Layers at Scale (facebookresearch/memory, lingua/product_key/memory.py, HashingMemory):
 *   keys                            [2·H·n, k_dim/2]   viewed as [H, 2, n, k_dim/2]
 *   query_proj.query_mlps.0.weight  [H·k_dim, d_in]    and .0.bias [H·k_dim] (mem_query_bias, on by
 *                                                      default); optional BatchNorm at .1
 *   values.weight                   [n², v_dim]        often bf16; absent from every memory but the
 *                                                      first when the pool is shared (mem_share_values)
 *   values_u.weight, values_v.weight [n², d]           the PEER variant, instead of values
 *   swilu_projection.{weight,bias}  [v_dim, d_in]      memory+: value_proj(read ⊙ silu(swilu(x)))
 *   value_proj.{weight,bias}        [d_out, v_dim]     also alone when mem_v_dim > 0
 *   gating.{weight,bias}            [1, d_in], [1]     mem_gated: output · sigmoid(gating(x))
 * Scores are softmaxed over each head's k; PEER reads Σ gelu(u·x) · weight · v and uses neither
 * value_proj nor swilu_projection (lingua builds them anyway).
 */

import type { MemorySpec, MemoryWeights } from '../../memory/types';
import { listText, shapeText } from '../errors';
import type { Float32Tensor, SafetensorsFile } from '../safetensors';
import { checkModuleSpec, type LayoutPlan, retrievalOnly, transpose } from './common';
import { MemoryLayoutError, ModuleTensors } from './tensors';
import type { Linear, Readout } from './types';
import { checkQueryVectors, loadQueryMlp, planQueryMlp, XLM_NAMES } from './xlm';

export const LINGUA_NAMES = {
  keys: 'keys',
  values: 'values.weight',
  valuesU: 'values_u.weight',
  valuesV: 'values_v.weight',
  swiluW: 'swilu_projection.weight',
  swiluB: 'swilu_projection.bias',
  projW: 'value_proj.weight',
  projB: 'value_proj.bias',
  gateW: 'gating.weight',
  gateB: 'gating.bias',
} as const;
const N = LINGUA_NAMES;

/** Where a memory's values come from: its own tensors, another memory's (shared pool), or nowhere. */
type ValueSource = { file: ModuleTensors; shared: boolean } | null;

/** The memory holding the shared value pool for one that has none (lingua's mem_share_values). */
function findPool(file: SafetensorsFile, prefix: string, peer: boolean, rows: number): ValueSource {
  const name = peer ? N.valuesU : N.values;
  const holders: string[] = [];
  for (const full of file.tensors.keys()) {
    if (!full.endsWith(name) || full === prefix + name) continue;
    const p = full.slice(0, full.length - name.length);
    if ((p === '' || p.endsWith('.')) && file.tensors.has(`${p}${N.keys}`)) holders.push(p);
  }
  const matching = holders.filter((p) => file.tensors.get(p + name)!.shape[0] === rows);
  if (matching.length === 0) return null;
  if (matching.length > 1) {
    throw new MemoryLayoutError(
      'lingua',
      `${prefix || 'the memory'} has no values and several memories hold a value pool (${listText(matching.map((p) => `'${p}'`))}): the shared pool is ambiguous`,
    );
  }
  return { file: new ModuleTensors(file, matching[0], 'lingua'), shared: true };
}

function linear(t: ModuleTensors, w: string, b: string, shape: [number, number], expected: string) {
  t.exact(w, shape, expected);
  if (t.has(b)) t.exact(b, [shape[0]], `[${expected.split(',')[0].slice(1)}]`);
  t.plan(w);
  t.plan(b);
}

async function loadLinear(
  t: ModuleTensors,
  w: string,
  b: string,
  out: number,
  inp: number,
  signal?: AbortSignal,
): Promise<Linear> {
  return {
    weight: await t.load(w, signal),
    bias: t.has(b) ? await t.load(b, signal) : new Float32Array(out),
    in: inp,
    out,
  };
}

export function planLingua(file: SafetensorsFile, prefix: string): LayoutPlan {
  const t: ModuleTensors = new ModuleTensors(file, prefix, 'lingua');
  const q = planQueryMlp(t);
  const [keyRows, half] = t.dims(N.keys, 2, '[2·heads·n_keys, k_dim/2]');
  const kDim = 2 * half;
  if (kDim === 0 || q.rows % kDim !== 0) {
    t.fail(
      `tensor ${t.quoted(XLM_NAMES.queryW)} has ${q.rows} rows, not a multiple of k_dim = ${kDim} from keys ${shapeText([keyRows, half])}`,
    );
  }
  const heads = q.rows / kDim;
  if (heads < 1 || keyRows % (2 * heads) !== 0) {
    t.fail(`tensor ${t.quoted(N.keys)} has ${keyRows} rows, not 2·heads·n_keys with heads = ${heads}`);
  }
  const nKeys = keyRows / (2 * heads);
  const rows = nKeys * nKeys;
  const dIn = q.dIn;
  const peer = t.has(N.valuesU) || t.has(N.valuesV);
  const own = peer ? t.has(N.valuesU) && t.has(N.valuesV) : t.has(N.values);
  if (peer && !own)
    t.fail(`the PEER values need both ${t.quoted(N.valuesU)} and ${t.quoted(N.valuesV)} [n_keys², d]`);
  const source: ValueSource = own ? { file: t, shared: false } : findPool(file, prefix, peer, rows);
  let vDim: number | null = null;
  if (source) {
    const [r, w] = source.file.dims(peer ? N.valuesU : N.values, 2, '[n_keys², v_dim]');
    if (r !== rows)
      source.file.fail(
        `tensor ${source.file.quoted(peer ? N.valuesU : N.values)} has ${r} rows but keys imply n_keys² = ${rows}`,
      );
    vDim = w;
    if (peer) {
      source.file.exact(N.valuesV, [rows, w], '[n_keys², d]');
      if (w !== dIn) t.fail(`PEER needs values_u as wide as the input (${dIn}); got ${shapeText([r, w])}`);
    }
    source.file.plan(peer ? N.valuesU : N.values);
    if (peer) source.file.plan(N.valuesV);
  }
  const swilu = t.has(N.swiluW);
  const proj = t.has(N.projW);
  const gated = t.has(N.gateW);
  let dOut = vDim;
  if (!peer) {
    if (swilu && !proj)
      t.fail(`memory+ needs ${t.quoted(N.projW)} [d_out, v_dim] beside ${t.quoted(N.swiluW)}`);
    if (proj) {
      const [o, i] = t.dims(N.projW, 2, '[d_out, v_dim]');
      if (vDim !== null && i !== vDim) {
        t.fail(
          `tensor ${t.quoted(N.projW)} must be [d_out, v_dim] with v_dim ${vDim} (got ${shapeText([o, i])})`,
        );
      }
      linear(t, N.projW, N.projB, [o, i], '[d_out, v_dim]');
      if (swilu) linear(t, N.swiluW, N.swiluB, [i, dIn], '[v_dim, d_in]');
      dOut = o;
    }
  }
  if (gated) linear(t, N.gateW, N.gateB, [1, dIn], '[1, d_in]');
  const spec: MemorySpec = {
    d_in: dIn,
    heads,
    n_keys: nKeys,
    k_dim: kDim,
    v_dim: vDim ?? 1,
    knn: 1,
    query_norm: q.batchnorm ? 'batchnorm' : 'none',
    mem_keys: 'product',
    mem_plus: !peer && swilu,
    d_out: dOut ?? 1,
  };
  checkModuleSpec(t, { ...spec, mem_plus: false, d_out: spec.v_dim });
  checkQueryVectors(t, q);
  t.plan(N.keys);
  const notes: string[] = [];
  if (q.batchnorm) {
    notes.push(
      'The query BatchNorm (.1) is read as Linear then BatchNorm, as in XLM (lingua’s QueryMLP.forward applies the layers side by side, which does not run with BatchNorm).',
    );
  }
  if (source?.shared)
    notes.push(`The values are the pool shared with '${source.file.prefix}' (mem_share_values).`);
  if (!source) {
    notes.push(
      'The file holds no values for this memory (lingua keeps a shared pool in the first memory layer only): slots, weights and coverage are computed, the output is not.',
    );
  }
  if (peer) {
    notes.push('PEER variant: the output is Σ gelu(u·x) · weight · v over the selected experts.');
    if (proj || swilu)
      notes.push(
        'value_proj and swilu_projection are in the file, but lingua’s PEER forward does not use them.',
      );
  } else if (swilu) notes.push('memory+: the output is value_proj(read ⊙ silu(swilu_projection(x))).');
  else if (proj) notes.push('The read goes through value_proj (mem_v_dim > 0).');
  if (gated) notes.push('Gated: the output is multiplied by sigmoid(gating(x)).');
  notes.push(...t.unknown([...Object.values(N), ...Object.values(XLM_NAMES)]));
  const outputWidth = source ? dOut : null;
  const plainValues = source !== null && !peer && !proj && !gated;

  return {
    layout: 'lingua',
    prefix,
    spec,
    outputWidth,
    notes,
    async load(knn, gates, signal) {
      const query = await loadQueryMlp(t, q, signal);
      const keys = await t.load(N.keys, signal);
      const full: MemorySpec = { ...spec, knn };
      const base = { ...full, mem_plus: false, d_out: full.v_dim };
      const moduleSpec = plainValues ? base : retrievalOnly(base);
      const weights: MemoryWeights = {
        ...query,
        keys,
        values: plainValues ? await source!.file.load(N.values, signal) : new Float32Array(rows),
      };
      let readout: Readout | null = null;
      if (source && !plainValues) {
        readout = peer
          ? {
              kind: 'peer',
              peerU: await source.file.load(N.valuesU, signal),
              values: await source.file.load(N.valuesV, signal),
              width: vDim!,
            }
          : { kind: 'values', values: await source.file.load(N.values, signal), width: vDim! };
        if (!peer && proj) {
          const [o, i] = t.info(N.projW)!.shape;
          readout.valueProj = await loadLinear(t, N.projW, N.projB, o, i, signal);
          if (swilu) readout.swilu = await loadLinear(t, N.swiluW, N.swiluB, i, dIn, signal);
        }
        if (gated) readout.gating = await loadLinear(t, N.gateW, N.gateB, 1, dIn, signal);
      }
      return {
        layout: 'lingua',
        prefix,
        spec: full,
        module: { spec: moduleSpec, weights },
        inputNorm: null,
        gates,
        readout,
        outputWidth,
        notes,
      };
    },
  };
}

/** Why the app's memory cannot be written exactly as a lingua HashingMemory (empty when it can). */
export function linguaExportProblems(spec: MemorySpec): string[] {
  const problems: string[] = [];
  if (spec.mem_keys !== 'product') problems.push('HashingMemory has product keys only');
  if (spec.heads < 2) problems.push('HashingMemory needs at least 2 heads (mem_heads ≥ 2)');
  if (spec.query_norm === 'layernorm') problems.push('HashingMemory has no LayerNorm query');
  if (spec.query_norm === 'batchnorm') {
    problems.push(
      'lingua’s QueryMLP cannot run a BatchNorm query (its forward applies the layers side by side)',
    );
  }
  return problems;
}

/**
 * The HashingMemory state_dict tensors of the app's memory: memory+ becomes swilu_projection and
 * value_proj with zero biases (the app's gate and projection have none), exactly.
 */
export function exportLingua(
  spec: MemorySpec,
  weights: MemoryWeights,
  prefix = '',
): Record<string, Float32Tensor> {
  const problems = linguaExportProblems(spec);
  if (problems.length > 0) throw new MemoryLayoutError('lingua', `cannot export: ${problems.join('; ')}`);
  const { heads, n_keys: n, k_dim: kDim, d_in: dIn, v_dim: vDim, d_out: dOut } = spec;
  const width = heads * kDim;
  const out: Record<string, Float32Tensor> = {
    [prefix + N.keys]: { shape: [2 * heads * n, kDim / 2], data: weights.keys },
    [prefix + N.values]: { shape: [n * n, vDim], data: weights.values },
    [prefix + XLM_NAMES.queryW]: { shape: [width, dIn], data: transpose(weights.queryW, dIn, width) },
    [prefix + XLM_NAMES.queryB]: { shape: [width], data: weights.queryB },
  };
  if (spec.mem_plus) {
    out[prefix + N.swiluW] = { shape: [vDim, dIn], data: transpose(weights.gateW!, dIn, vDim) };
    out[prefix + N.swiluB] = { shape: [vDim], data: new Float32Array(vDim) };
    out[prefix + N.projW] = { shape: [dOut, vDim], data: transpose(weights.outW!, vDim, dOut) };
    out[prefix + N.projB] = { shape: [dOut], data: new Float32Array(dOut) };
  }
  return out;
}
