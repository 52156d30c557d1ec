import { type ModelConfig, valueDim } from '../config';
import type { MemorySpec } from './types';

/** The memory module a model config asks for: it reads and writes the residual stream (d_model). */
export function memorySpecFromConfig(c: ModelConfig): MemorySpec {
  return {
    d_in: c.d_model,
    heads: c.heads,
    n_keys: c.n_keys,
    k_dim: c.k_dim,
    v_dim: valueDim(c),
    knn: c.knn,
    query_norm: c.query_norm,
    mem_keys: c.mem_keys,
    mem_plus: c.mem_plus,
    d_out: c.d_model,
  };
}

/** Largest value table (slots × v_dim) a module may allocate: 2^28 floats = 1 GiB, ×3 with Adam moments. */
export const MAX_TABLE_ELEMENTS = 2 ** 28;

const FLAT_MAX_N_KEYS = 256;

function intIn(spec: MemorySpec, field: keyof MemorySpec, min: number, max: number, why = ''): void {
  const value = spec[field];
  if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) {
    throw new Error(
      `Invalid memory spec: ${field} must be an integer from ${min} to ${max}${why} (got ${JSON.stringify(value)})`,
    );
  }
}

/** Throws one Error naming the first field out of range; returns the spec when it is usable. */
export function checkMemorySpec(spec: MemorySpec): MemorySpec {
  if (spec === null || typeof spec !== 'object') throw new Error('Invalid memory spec: expected an object');
  intIn(spec, 'd_in', 1, 65_536);
  intIn(spec, 'heads', 1, 8);
  intIn(spec, 'n_keys', 2, 1024);
  intIn(spec, 'knn', 1, Math.min(spec.n_keys, 64), ` = min(n_keys, 64)`);
  intIn(spec, 'k_dim', 2, 4096);
  if (spec.k_dim % 2 !== 0) {
    throw new Error(
      `Invalid memory spec: k_dim must be even, the query is split in two halves (got ${spec.k_dim})`,
    );
  }
  intIn(spec, 'v_dim', 1, 65_536);
  intIn(spec, 'd_out', 1, 65_536);
  if (!['batchnorm', 'layernorm', 'none'].includes(spec.query_norm)) {
    throw new Error(
      `Invalid memory spec: query_norm must be one of batchnorm, layernorm, none (got ${JSON.stringify(spec.query_norm)})`,
    );
  }
  if (spec.mem_keys !== 'product' && spec.mem_keys !== 'flat') {
    throw new Error(
      `Invalid memory spec: mem_keys must be one of product, flat (got ${JSON.stringify(spec.mem_keys)})`,
    );
  }
  if (typeof spec.mem_plus !== 'boolean') {
    throw new Error(
      `Invalid memory spec: mem_plus must be true or false (got ${JSON.stringify(spec.mem_plus)})`,
    );
  }
  if (spec.mem_keys === 'flat' && spec.n_keys > FLAT_MAX_N_KEYS) {
    throw new Error(
      `Invalid memory spec: n_keys must be from 2 to ${FLAT_MAX_N_KEYS} for flat keys, which score all n_keys² slots (got ${spec.n_keys})`,
    );
  }
  if (!spec.mem_plus && spec.d_out !== spec.v_dim) {
    throw new Error(
      `Invalid memory spec: d_out must equal v_dim (${spec.v_dim}) without the memory+ projection (got ${spec.d_out})`,
    );
  }
  const table = spec.n_keys * spec.n_keys * spec.v_dim;
  if (table > MAX_TABLE_ELEMENTS) {
    throw new Error(
      `Invalid memory spec: v_dim must be at most ${Math.floor(MAX_TABLE_ELEMENTS / spec.n_keys ** 2)} at n_keys ${spec.n_keys}: the value table n_keys²·v_dim = ${table} exceeds ${MAX_TABLE_ELEMENTS} floats`,
    );
  }
  return spec;
}

/** Number of memory slots (rows of the value table). */
export function slotCount(spec: MemorySpec): number {
  return spec.n_keys * spec.n_keys;
}
