import { RandomStream } from './random';
import { slotCount } from './spec';
import type { MemorySpec, MemoryWeights } from './types';

export type WeightName = keyof MemoryWeights;

/** The shape of every weight this spec uses (absent names are not used by it). */
export function weightShapes(spec: MemorySpec): Partial<Record<WeightName, number[]>> {
  const { d_in, heads, n_keys, k_dim, v_dim, d_out } = spec;
  const q = heads * k_dim;
  const shapes: Partial<Record<WeightName, number[]>> = {
    queryW: [d_in, q],
    queryB: [q],
    keys: spec.mem_keys === 'product' ? [heads, 2, n_keys, k_dim / 2] : [heads, n_keys * n_keys, k_dim],
    values: [slotCount(spec), v_dim],
  };
  if (spec.query_norm !== 'none') {
    shapes.normGamma = [q];
    shapes.normBeta = [q];
  }
  if (spec.query_norm === 'batchnorm') {
    shapes.runningMean = [q];
    shapes.runningVar = [q];
  }
  if (spec.mem_plus) {
    shapes.gateW = [d_in, v_dim];
    shapes.outW = [v_dim, d_out];
  }
  return shapes;
}

const ALL_WEIGHTS: WeightName[] = [
  'queryW',
  'queryB',
  'normGamma',
  'normBeta',
  'runningMean',
  'runningVar',
  'keys',
  'values',
  'gateW',
  'outW',
];

function size(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Why a weight is not used, for the error naming an unexpected one. */
function unusedReason(spec: MemorySpec, name: WeightName): string {
  if (name === 'gateW' || name === 'outW') return 'mem_plus is false';
  if (name === 'runningMean' || name === 'runningVar')
    return `query_norm is ${spec.query_norm}, not batchnorm`;
  return `query_norm is ${spec.query_norm}`;
}

/** Throws one clear Error for a missing, unexpected, mis-sized or non-finite weight. */
export function checkMemoryWeights(spec: MemorySpec, weights: MemoryWeights): void {
  if (weights === null || typeof weights !== 'object')
    throw new Error('Invalid memory weights: expected an object');
  const shapes = weightShapes(spec);
  for (const name of ALL_WEIGHTS) {
    const shape = shapes[name];
    const array = weights[name];
    if (!shape) {
      if (array !== undefined) {
        throw new Error(
          `Invalid memory weights: ${name} is given but not used (${unusedReason(spec, name)})`,
        );
      }
      continue;
    }
    if (array === undefined) {
      throw new Error(`Invalid memory weights: ${name} [${shape.join(', ')}] is missing`);
    }
    if (!(array instanceof Float32Array)) {
      throw new Error(`Invalid memory weights: ${name} must be a Float32Array`);
    }
    if (array.length !== size(shape)) {
      throw new Error(
        `Invalid memory weights: ${name} must have ${size(shape)} values for shape [${shape.join(', ')}] (got ${array.length})`,
      );
    }
    for (let i = 0; i < array.length; i++) {
      if (!Number.isFinite(array[i])) {
        throw new Error(`Invalid memory weights: ${name}[${i}] is not finite (${array[i]})`);
      }
    }
  }
  const unknown = Object.keys(weights).filter((k) => !(ALL_WEIGHTS as string[]).includes(k));
  if (unknown.length > 0) throw new Error(`Invalid memory weights: unknown field ${unknown.join(', ')}`);
  if (weights.runningVar?.some((v) => v < 0)) {
    throw new Error('Invalid memory weights: runningVar must not be negative');
  }
}

// Stream tags: each weight draws from its own stream, so changing one shape never shifts another.
const TAG = { queryW: 1, queryB: 2, keys: 3, values: 4, gateW: 5, outW: 6 } as const;

/**
 * XLM-style initial weights, deterministic in `seed`: the query Linear, memory+ gate and projection
 * like PyTorch's default Linear init (uniform ±1/sqrt(fan_in)); product sub-keys uniform
 * ±1/sqrt(k_dim/2) from a separate stream per (head, half); flat keys uniform ±1/sqrt(k_dim) per
 * head; values normal with std v_dim^-0.5; norm scale 1, shift 0; running mean 0, variance 1.
 */
export function initMemoryWeights(spec: MemorySpec, seed: number): MemoryWeights {
  const shapes = weightShapes(spec);
  const alloc = (name: WeightName) => new Float32Array(size(shapes[name]!));
  const { d_in, heads, n_keys, k_dim, v_dim } = spec;
  const queryBound = 1 / Math.sqrt(d_in);
  const weights: MemoryWeights = {
    queryW: new RandomStream(seed, TAG.queryW).fillUniform(alloc('queryW'), queryBound),
    queryB: new RandomStream(seed, TAG.queryB).fillUniform(alloc('queryB'), queryBound),
    keys: alloc('keys'),
    values: new RandomStream(seed, TAG.values).fillNormal(alloc('values'), v_dim ** -0.5),
  };
  if (spec.mem_keys === 'product') {
    const half = k_dim / 2;
    const block = n_keys * half;
    for (let h = 0; h < heads; h++) {
      for (let side = 0; side < 2; side++) {
        const view = weights.keys.subarray((h * 2 + side) * block, (h * 2 + side + 1) * block);
        new RandomStream(seed, TAG.keys, h, side).fillUniform(view, 1 / Math.sqrt(half));
      }
    }
  } else {
    const block = n_keys * n_keys * k_dim;
    for (let h = 0; h < heads; h++) {
      const view = weights.keys.subarray(h * block, (h + 1) * block);
      new RandomStream(seed, TAG.keys, h, 2).fillUniform(view, 1 / Math.sqrt(k_dim));
    }
  }
  if (spec.query_norm !== 'none') {
    weights.normGamma = alloc('normGamma').fill(1);
    weights.normBeta = alloc('normBeta');
  }
  if (spec.query_norm === 'batchnorm') {
    weights.runningMean = alloc('runningMean');
    weights.runningVar = alloc('runningVar').fill(1);
  }
  if (spec.mem_plus) {
    weights.gateW = new RandomStream(seed, TAG.gateW).fillUniform(alloc('gateW'), 1 / Math.sqrt(d_in));
    weights.outW = new RandomStream(seed, TAG.outW).fillUniform(alloc('outW'), 1 / Math.sqrt(v_dim));
  }
  return weights;
}
