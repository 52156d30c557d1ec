/**
 * An independent reference for the CLI tests: scores every one of the n² slots of every head
 * directly (no product-key search), in float64, with BatchNorm in eval mode (eps 1e-5).
 */
import type { MemorySpec, MemoryWeights } from '../../../src/model/memory/types';

export interface BruteForceRead {
  indices: number[][][];
  scores: number[][][];
  weights: number[][][];
  output: number[][];
}

const BN_EPS = 1e-5;

export function bruteForceLookup(
  spec: MemorySpec,
  w: MemoryWeights,
  inputs: Float32Array,
  count: number,
): BruteForceRead {
  const { d_in: dIn, heads, n_keys: n, k_dim: kDim, v_dim: vDim, knn } = spec;
  const width = heads * kDim;
  const half = kDim / 2;
  const result: BruteForceRead = { indices: [], scores: [], weights: [], output: [] };
  for (let b = 0; b < count; b++) {
    const q = new Float64Array(width);
    for (let o = 0; o < width; o++) {
      let sum = w.queryB[o];
      for (let i = 0; i < dIn; i++) sum += inputs[b * dIn + i] * w.queryW[i * width + o];
      if (spec.query_norm === 'batchnorm') {
        sum =
          ((sum - w.runningMean![o]) / Math.sqrt(w.runningVar![o] + BN_EPS)) * w.normGamma![o] +
          w.normBeta![o];
      }
      q[o] = sum;
    }
    const out = new Float64Array(vDim);
    const rowIdx: number[][] = [];
    const rowScores: number[][] = [];
    const rowWeights: number[][] = [];
    for (let h = 0; h < heads; h++) {
      const all: { slot: number; score: number }[] = [];
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          let score = 0;
          for (let d = 0; d < half; d++) {
            score += q[h * kDim + d] * w.keys[((h * 2 + 0) * n + i) * half + d];
            score += q[h * kDim + half + d] * w.keys[((h * 2 + 1) * n + j) * half + d];
          }
          all.push({ slot: i * n + j, score });
        }
      }
      all.sort((a, c) => c.score - a.score);
      const top = all.slice(0, knn);
      const max = top[0].score;
      const exps = top.map((t) => Math.exp(t.score - max));
      const z = exps.reduce((a, c) => a + c, 0);
      const weights = exps.map((e) => e / z);
      top.forEach((t, r) => {
        for (let v = 0; v < vDim; v++) out[v] += weights[r] * w.values[t.slot * vDim + v];
      });
      rowIdx.push(top.map((t) => t.slot));
      rowScores.push(top.map((t) => t.score));
      rowWeights.push(weights);
    }
    result.indices.push(rowIdx);
    result.scores.push(rowScores);
    result.weights.push(rowWeights);
    result.output.push(Array.from(out));
  }
  return result;
}
