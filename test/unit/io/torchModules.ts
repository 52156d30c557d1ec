/**
 * Independent references for the layout tests: the forward passes of lucidrains' PKM and lingua's
 * HashingMemory written directly on their own state_dict layouts (no transform to the app's
 * layout), scoring every one of the n² slots of every head by brute force, in float64. And random
 * state_dicts in each layout, as PyTorch would save them.
 */
import type { Float32Tensor } from '../../../src/model/io/safetensors';
import { mixSeed, mulberry32, normalArray, uniformArray } from '../../fixtures/prng';

export type StateDict = Record<string, Float32Tensor>;

export interface Reads {
  indices: number[][][];
  scores: number[][][];
  weights: number[][][];
  output: number[][] | null;
}

const EPS = 1e-5;

function t(shape: number[], data: Float32Array): Float32Tensor {
  return { shape, data };
}

function rand(seed: number, tag: number, length: number, bound = 1): Float32Array {
  return uniformArray(mulberry32(mixSeed(seed, tag)), length, bound);
}

function layerNorm(v: number[], w: ArrayLike<number>, b: ArrayLike<number>): number[] {
  const mean = v.reduce((a, c) => a + c, 0) / v.length;
  const variance = v.reduce((a, c) => a + (c - mean) ** 2, 0) / v.length;
  return v.map((c, i) => ((c - mean) / Math.sqrt(variance + EPS)) * w[i] + b[i]);
}

function matVec(w: Float32Array, rows: number, cols: number, x: ArrayLike<number>, bias?: ArrayLike<number>) {
  return Array.from({ length: rows }, (_, r) => {
    let sum = bias ? bias[r] : 0;
    for (let c = 0; c < cols; c++) sum += w[r * cols + c] * x[c];
    return sum;
  });
}

/** Top-k of all n² products s1[i] + s2[j] of one head (ties: lower slot first). */
function bestSlots(s1: number[], s2: number[], k: number) {
  const n = s1.length;
  const all: { slot: number; score: number }[] = [];
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) all.push({ slot: i * n + j, score: s1[i] + s2[j] });
  all.sort((a, b) => b.score - a.score || a.slot - b.slot);
  return all.slice(0, k);
}

function softmax(scores: number[]): number[] {
  const max = Math.max(...scores);
  const e = scores.map((s) => Math.exp(s - max));
  const z = e.reduce((a, c) => a + c, 0);
  return e.map((v) => v / z);
}

function erf(x: number): number {
  // Series / continued fraction to double precision, independent of the reader's approximation.
  const a = Math.abs(x);
  if (a < 3) {
    let sum = 0;
    let term = a;
    for (let n = 0; n < 200; n++) {
      sum += term / (2 * n + 1);
      term *= (-a * a) / (n + 1);
    }
    return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * sum;
  }
  let f = 0;
  for (let n = 60; n >= 1; n--) f = n / 2 / (a + f);
  return Math.sign(x) * (1 - Math.exp(-a * a) / Math.sqrt(Math.PI) / (a + f));
}

const silu = (v: number) => v / (1 + Math.exp(-v));
const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

// ---------------------------------------------------------------------------------------------
// lucidrains PKM

export interface PkmOptions {
  dim: number;
  heads: number;
  numKeys: number;
  dimHead: number;
  preLayernorm?: boolean;
  normOutput?: boolean;
  seed: number;
}

export function pkmStateDict(o: PkmOptions): StateDict {
  const { dim, heads: h, numKeys: n, dimHead: d, seed } = o;
  const sd: StateDict = {
    'to_queries.weight': t([2 * h * d, dim], rand(seed, 1, 2 * h * d * dim, 1 / Math.sqrt(dim))),
    'norm.weight': t(
      [d],
      rand(seed, 2, d).map((v) => 1 + 0.5 * v),
    ),
    'norm.bias': t([d], rand(seed, 3, d, 0.3)),
    keys: t([h, n, 2, d], normalArray(mulberry32(mixSeed(seed, 4)), h * n * 2 * d, 1 / Math.sqrt(d))),
    'values.weight': t(
      [n * n, dim],
      normalArray(mulberry32(mixSeed(seed, 5)), n * n * dim, 1 / Math.sqrt(dim)),
    ),
  };
  if (o.preLayernorm) {
    sd['pre_layernorm.weight'] = t(
      [dim],
      rand(seed, 6, dim).map((v) => 1 + 0.5 * v),
    );
    sd['pre_layernorm.bias'] = t([dim], rand(seed, 7, dim, 0.2));
  }
  if (o.normOutput) {
    sd['output_norm.weight'] = t(
      [dim],
      rand(seed, 8, dim).map((v) => 1 + 0.5 * v),
    );
    sd['output_norm.bias'] = t([dim], rand(seed, 9, dim, 0.2));
  }
  return sd;
}

/** PKM.forward for each input (eval, no dropout): queries split '(p h d)', shared LayerNorm, keys [h, n, p, d]. */
export function pkmForward(sd: StateDict, x: Float32Array, count: number, topk: number, relu = false): Reads {
  const [h, n, , d] = sd.keys.shape;
  const dim = sd['to_queries.weight'].shape[1];
  const out: Reads = { indices: [], scores: [], weights: [], output: [] };
  for (let b = 0; b < count; b++) {
    let input = Array.from(x.subarray(b * dim, (b + 1) * dim));
    if (sd['pre_layernorm.weight']) {
      input = layerNorm(input, sd['pre_layernorm.weight'].data, sd['pre_layernorm.bias'].data);
    }
    const q = matVec(sd['to_queries.weight'].data, 2 * h * d, dim, input);
    const rowI: number[][] = [];
    const rowS: number[][] = [];
    const rowW: number[][] = [];
    const mem = new Array(dim).fill(0);
    for (let head = 0; head < h; head++) {
      const sub = [0, 1].map((p) => {
        const part = q.slice((p * h + head) * d, (p * h + head + 1) * d);
        const normed = layerNorm(part, sd['norm.weight'].data, sd['norm.bias'].data);
        return Array.from({ length: n }, (_, i) => {
          let s = 0;
          for (let j = 0; j < d; j++) s += normed[j] * sd.keys.data[((head * n + i) * 2 + p) * d + j];
          return s;
        });
      });
      const best = bestSlots(sub[0], sub[1], topk);
      const scores = best.map((c) => c.score);
      const weights = relu ? scores.map((s) => Math.max(0, s)) : softmax(scores);
      best.forEach((c, m) => {
        for (let v = 0; v < dim; v++) mem[v] += weights[m] * sd['values.weight'].data[c.slot * dim + v];
      });
      rowI.push(best.map((c) => c.slot));
      rowS.push(scores);
      rowW.push(weights);
    }
    out.indices.push(rowI);
    out.scores.push(rowS);
    out.weights.push(rowW);
    out.output!.push(
      sd['output_norm.weight']
        ? layerNorm(mem, sd['output_norm.weight'].data, sd['output_norm.bias'].data)
        : mem,
    );
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// lingua HashingMemory

export interface LinguaOptions {
  dim: number;
  heads: number;
  nKeys: number;
  kDim: number;
  /** mem_v_dim; -1: the output dim. */
  vDim?: number;
  swilu?: boolean;
  gated?: boolean;
  peer?: boolean;
  queryBias?: boolean;
  seed: number;
}

export function linguaStateDict(o: LinguaOptions): StateDict {
  const { dim, heads: h, nKeys: n, kDim: k, seed } = o;
  const vDim = o.vDim && o.vDim > 0 ? o.vDim : dim;
  const sd: StateDict = {
    keys: t([2 * h * n, k / 2], rand(seed, 11, 2 * h * n * (k / 2), 1 / Math.sqrt(k))),
    'query_proj.query_mlps.0.weight': t([h * k, dim], rand(seed, 12, h * k * dim, 1 / Math.sqrt(dim))),
  };
  if (o.queryBias ?? true) sd['query_proj.query_mlps.0.bias'] = t([h * k], rand(seed, 13, h * k, 0.2));
  const table = (tag: number, width: number) =>
    t([n * n, width], normalArray(mulberry32(mixSeed(seed, tag)), n * n * width, width ** -0.5));
  if (o.peer) {
    sd['values_u.weight'] = table(14, dim);
    sd['values_v.weight'] = table(15, dim);
  } else sd['values.weight'] = table(16, vDim);
  const proj = (o.vDim ?? -1) > 0 || o.swilu;
  if (proj) {
    sd['value_proj.weight'] = t([dim, vDim], rand(seed, 17, dim * vDim, 1 / Math.sqrt(vDim)));
    sd['value_proj.bias'] = t([dim], rand(seed, 18, dim, 0.1));
  }
  if (o.swilu) {
    sd['swilu_projection.weight'] = t([vDim, dim], rand(seed, 19, vDim * dim, 1 / Math.sqrt(dim)));
    sd['swilu_projection.bias'] = t([vDim], rand(seed, 20, vDim, 0.1));
  }
  if (o.gated) {
    sd['gating.weight'] = t([1, dim], rand(seed, 21, dim, 1 / Math.sqrt(dim)));
    sd['gating.bias'] = t([1], rand(seed, 22, 1, 0.5));
  }
  return sd;
}

/** HashingMemory.forward for each input (eval): keys viewed [h, 2, n, k/2], softmax, then PEER / memory+ / gating. */
export function linguaForward(
  sd: StateDict,
  x: Float32Array,
  count: number,
  knn: number,
  values?: StateDict,
): Reads {
  const pool = values ?? sd;
  const [rows, dim] = sd['query_proj.query_mlps.0.weight'].shape;
  const half = sd.keys.shape[1];
  const k = 2 * half;
  const h = rows / k;
  const n = sd.keys.shape[0] / (2 * h);
  const peer = 'values_u.weight' in pool;
  const vals = peer ? pool['values_v.weight'] : pool['values.weight'];
  const vDim = vals ? vals.shape[1] : 0;
  const out: Reads = { indices: [], scores: [], weights: [], output: vals ? [] : null };
  for (let b = 0; b < count; b++) {
    const input = x.subarray(b * dim, (b + 1) * dim);
    const q = matVec(
      sd['query_proj.query_mlps.0.weight'].data,
      rows,
      dim,
      input,
      sd['query_proj.query_mlps.0.bias']?.data,
    );
    const rowI: number[][] = [];
    const rowS: number[][] = [];
    const rowW: number[][] = [];
    let read = new Array(vDim).fill(0);
    for (let head = 0; head < h; head++) {
      const sub = [0, 1].map((p) =>
        Array.from({ length: n }, (_, i) => {
          let s = 0;
          for (let j = 0; j < half; j++)
            s += q[head * k + p * half + j] * sd.keys.data[((head * 2 + p) * n + i) * half + j];
          return s;
        }),
      );
      const best = bestSlots(sub[0], sub[1], knn);
      const scores = best.map((c) => c.score);
      const weights = softmax(scores);
      if (vals) {
        best.forEach((c, m) => {
          let g = weights[m];
          if (peer) {
            let dot = 0;
            for (let i = 0; i < dim; i++) dot += input[i] * pool['values_u.weight'].data[c.slot * dim + i];
            g *= 0.5 * dot * (1 + erf(dot / Math.SQRT2));
          }
          for (let v = 0; v < vDim; v++) read[v] += g * vals.data[c.slot * vDim + v];
        });
      }
      rowI.push(best.map((c) => c.slot));
      rowS.push(scores);
      rowW.push(weights);
    }
    if (vals && !peer) {
      if (sd['swilu_projection.weight']) {
        const gate = matVec(
          sd['swilu_projection.weight'].data,
          vDim,
          dim,
          input,
          sd['swilu_projection.bias'].data,
        );
        read = read.map((r, i) => r * silu(gate[i]));
      }
      if (sd['value_proj.weight'])
        read = matVec(sd['value_proj.weight'].data, dim, vDim, read, sd['value_proj.bias'].data);
    }
    if (vals && sd['gating.weight']) {
      const g = sigmoid(matVec(sd['gating.weight'].data, 1, dim, input, sd['gating.bias'].data)[0]);
      read = read.map((r) => r * g);
    }
    out.indices.push(rowI);
    out.scores.push(rowS);
    out.weights.push(rowW);
    if (vals) out.output!.push(read);
  }
  return out;
}

/** Every tensor of `sd` under `prefix`. */
export function prefixed(sd: StateDict, prefix: string): StateDict {
  return Object.fromEntries(Object.entries(sd).map(([name, tensor]) => [prefix + name, tensor]));
}
