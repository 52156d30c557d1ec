import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { RandomStream } from '../../../src/model/memory/random';
import type { MemorySpec, MemoryWeights } from '../../../src/model/memory/types';
import { weightShapes } from '../../../src/model/memory/weights';

export async function useBackend(name: 'wasm' | 'cpu'): Promise<void> {
  if (tf.getBackend() !== name) {
    if (!(await tf.setBackend(name))) throw new Error(`backend ${name} did not start`);
  }
  await tf.ready();
}

export function makeSpec(overrides: Partial<MemorySpec> = {}): MemorySpec {
  const spec: MemorySpec = {
    d_in: 6,
    heads: 2,
    n_keys: 5,
    k_dim: 4,
    v_dim: 3,
    knn: 3,
    query_norm: 'none',
    mem_keys: 'product',
    mem_plus: false,
    d_out: 3,
    ...overrides,
  };
  if (!overrides.d_out && !spec.mem_plus) spec.d_out = spec.v_dim;
  return spec;
}

/** Integers in [-range, range]: scores are then exact in float32, with many ties. */
export function integers(length: number, range: number, rng: RandomStream): Float32Array {
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = Math.floor(rng.next() * (2 * range + 1)) - range;
  return out;
}

export function uniform(length: number, bound: number, rng: RandomStream): Float32Array {
  return rng.fillUniform(new Float32Array(length), bound);
}

/** Integer-valued weights for every weight the spec uses (norm scale 1, shift 0, stats 0/1). */
export function integerWeights(spec: MemorySpec, seed: number, keyRange = 1): MemoryWeights {
  const rng = new RandomStream(seed, 99);
  const shapes = weightShapes(spec);
  const size = (name: keyof MemoryWeights) => shapes[name]!.reduce((a, b) => a * b, 1);
  const w: MemoryWeights = {
    queryW: integers(size('queryW'), 1, rng),
    queryB: integers(size('queryB'), 1, rng),
    keys: integers(size('keys'), keyRange, rng),
    values: integers(size('values'), 2, rng),
  };
  if (shapes.normGamma) {
    w.normGamma = new Float32Array(size('normGamma')).fill(1);
    w.normBeta = new Float32Array(size('normBeta'));
  }
  if (shapes.runningMean) {
    w.runningMean = new Float32Array(size('runningMean'));
    w.runningVar = new Float32Array(size('runningVar')).fill(1);
  }
  if (shapes.gateW) {
    w.gateW = integers(size('gateW'), 1, rng);
    w.outW = integers(size('outW'), 1, rng);
  }
  return w;
}

/** The normalised queries [N][heads·k_dim] in float64, eval mode (running statistics). */
export function referenceQueries(
  spec: MemorySpec,
  w: MemoryWeights,
  x: Float32Array,
  n: number,
): Float64Array[] {
  const width = spec.heads * spec.k_dim;
  const half = spec.k_dim / 2;
  const out: Float64Array[] = [];
  for (let r = 0; r < n; r++) {
    const q = new Float64Array(width);
    for (let j = 0; j < width; j++) {
      let s = w.queryB[j];
      for (let d = 0; d < spec.d_in; d++) s += x[r * spec.d_in + d] * w.queryW[d * width + j];
      q[j] = s;
    }
    if (spec.query_norm === 'batchnorm') {
      for (let j = 0; j < width; j++) {
        q[j] =
          ((q[j] - w.runningMean![j]) / Math.sqrt(w.runningVar![j] + 1e-5)) * w.normGamma![j] +
          w.normBeta![j];
      }
    } else if (spec.query_norm === 'layernorm') {
      for (let g = 0; g < width / half; g++) {
        let mean = 0;
        for (let c = 0; c < half; c++) mean += q[g * half + c] / half;
        let variance = 0;
        for (let c = 0; c < half; c++) variance += (q[g * half + c] - mean) ** 2 / half;
        for (let c = 0; c < half; c++) {
          const j = g * half + c;
          q[j] = ((q[j] - mean) / Math.sqrt(variance + 1e-5)) * w.normGamma![j] + w.normBeta![j];
        }
      }
    }
    out.push(q);
  }
  return out;
}

/**
 * Independent brute force: the score of every one of the n² slots (product keys: the full key is
 * the concatenation of its two sub-keys), then the top k by score descending, lower slot id first.
 */
export function bruteForce(
  spec: MemorySpec,
  w: MemoryWeights,
  x: Float32Array,
  n: number,
): { slots: Int32Array; scores: Float64Array } {
  const { heads, n_keys, k_dim, knn } = spec;
  const half = k_dim / 2;
  const slotsTotal = n_keys * n_keys;
  const queries = referenceQueries(spec, w, x, n);
  const slots = new Int32Array(n * heads * knn);
  const scores = new Float64Array(n * heads * knn);
  const key = new Float64Array(k_dim);
  for (let r = 0; r < n; r++) {
    for (let h = 0; h < heads; h++) {
      const bestS: number[] = [];
      const bestV: number[] = [];
      for (let s = 0; s < slotsTotal; s++) {
        if (spec.mem_keys === 'product') {
          const i = Math.floor(s / n_keys);
          const j = s % n_keys;
          for (let c = 0; c < half; c++) {
            key[c] = w.keys[((h * 2 + 0) * n_keys + i) * half + c];
            key[half + c] = w.keys[((h * 2 + 1) * n_keys + j) * half + c];
          }
        } else {
          for (let c = 0; c < k_dim; c++) key[c] = w.keys[(h * slotsTotal + s) * k_dim + c];
        }
        let v = 0;
        for (let c = 0; c < k_dim; c++) v += queries[r][h * k_dim + c] * key[c];
        // Slots come in ascending id: a later slot enters only with a strictly higher score.
        if (bestV.length === knn && v <= bestV[knn - 1]) continue;
        let at = bestV.length;
        while (at > 0 && v > bestV[at - 1]) at--;
        bestV.splice(at, 0, v);
        bestS.splice(at, 0, s);
        if (bestV.length > knn) {
          bestV.pop();
          bestS.pop();
        }
      }
      for (let t = 0; t < knn; t++) {
        slots[(r * heads + h) * knn + t] = bestS[t];
        scores[(r * heads + h) * knn + t] = bestV[t];
      }
    }
  }
  return { slots, scores };
}

/** Bitwise equality of float arrays (NaN-safe, distinguishes nothing but the bits). */
export function bitsEqual(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i]) return false;
  return true;
}
