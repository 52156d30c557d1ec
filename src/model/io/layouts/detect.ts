/**
 * Which memories a state_dict holds, and in which layout, from tensor names and shapes alone:
 * every prefix p with `p + 'keys'` beside a query network is a memory; its layout is
 *   lucidrains  p.to_queries.weight (keys [H, n, 2, d])
 *   lingua      p.query_proj… with flat keys [2·H·n, k_dim/2], PEER or memory+ tensors, or no values
 *   xlm         p.query_proj… otherwise (keys [H, 2, n, k_dim/2], shared [n, k_dim/2] or flat [H, n², k_dim])
 */
import type { SafetensorsFile } from '../safetensors';
import type { MemoryLayout } from './types';
import { XLM_NAMES } from './xlm';

const LINGUA_ONLY = [
  'values_u.weight',
  'values_v.weight',
  'swilu_projection.weight',
  'value_proj.weight',
  'gating.weight',
];

export interface Candidate {
  prefix: string;
  /** The detected layout, or null with `why` when the tensors look like a memory of no known layout. */
  layout: MemoryLayout | null;
  why?: string;
}

function detectOne(file: SafetensorsFile, p: string): Candidate | null {
  const has = (name: string) => file.tensors.has(p + name);
  if (has('to_queries.weight')) return { prefix: p, layout: 'lucidrains' };
  if (has('weight_down_embed.weight') || has('to_queries.0.weight')) {
    return {
      prefix: p,
      layout: null,
      why: "lucidrains' PEER-pytorch layout (weight_down_embed, to_queries.0) is not read; lingua's PEER variant is",
    };
  }
  if (!has(XLM_NAMES.queryW)) return null;
  const keys = file.tensors.get(p + XLM_NAMES.keys)!.shape;
  if (keys.length !== 2) return { prefix: p, layout: 'xlm' };
  if (LINGUA_ONLY.some(has)) return { prefix: p, layout: 'lingua' };
  const values = file.tensors.get(p + XLM_NAMES.values);
  // XLM's shared keys [n, half] go with n² value rows; lingua's [2·H·n, half] with (rows / 2H)².
  if (values && values.shape.length === 2 && keys[0] * keys[0] === values.shape[0]) {
    return { prefix: p, layout: 'xlm' };
  }
  return { prefix: p, layout: 'lingua' };
}

/** Every memory-like prefix of the file, in natural order (layers.2 before layers.10). */
export function findCandidates(file: SafetensorsFile): Candidate[] {
  const found: Candidate[] = [];
  for (const name of file.tensors.keys()) {
    if (!name.endsWith('keys')) continue;
    const prefix = name.slice(0, name.length - 'keys'.length);
    if (prefix !== '' && !prefix.endsWith('.')) continue;
    const c = detectOne(file, prefix);
    if (c) found.push(c);
  }
  return found.sort((a, b) => a.prefix.localeCompare(b.prefix, 'en', { numeric: true }));
}
