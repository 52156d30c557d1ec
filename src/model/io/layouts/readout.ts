/**
 * What a layout computes after the retrieval that the app's memory module does not: the input
 * LayerNorm, ReLU gates, PEER's experts, lingua's memory+ projection with biases and its gating,
 * lucidrains' output LayerNorm. Plain loops over a chunk of rows (accumulated in float64).
 */
import type { Affine, Gates, Linear, Readout } from './types';

/** torch.nn.LayerNorm's default eps. */
export const LAYER_NORM_EPS = 1e-5;

/** LayerNorm of every row of x [rows, width] with an affine [width]. */
export function layerNormRows(x: Float32Array, rows: number, width: number, affine: Affine): Float32Array {
  const out = new Float32Array(rows * width);
  for (let r = 0; r < rows; r++) {
    const base = r * width;
    let mean = 0;
    for (let i = 0; i < width; i++) mean += x[base + i];
    mean /= width;
    let variance = 0;
    for (let i = 0; i < width; i++) variance += (x[base + i] - mean) ** 2;
    const inv = 1 / Math.sqrt(variance / width + LAYER_NORM_EPS);
    for (let i = 0; i < width; i++) {
      out[base + i] = (x[base + i] - mean) * inv * affine.weight[i] + affine.bias[i];
    }
  }
  return out;
}

/** The weights of each head's k scores: softmax (every layout's default) or ReLU. */
export function gateWeights(scores: Float32Array, knn: number, gates: Gates): Float32Array {
  const out = new Float32Array(scores.length);
  if (gates === 'relu') {
    for (let i = 0; i < scores.length; i++) out[i] = Math.max(0, scores[i]);
    return out;
  }
  for (let g = 0; g < scores.length / knn; g++) {
    const base = g * knn;
    let max = Number.NEGATIVE_INFINITY;
    for (let m = 0; m < knn; m++) max = Math.max(max, scores[base + m]);
    let sum = 0;
    for (let m = 0; m < knn; m++) sum += Math.exp(scores[base + m] - max);
    for (let m = 0; m < knn; m++) out[base + m] = Math.exp(scores[base + m] - max) / sum;
  }
  return out;
}

/** erf to ~1e-7 (Abramowitz & Stegun 7.1.26), below float32 resolution of the outputs it feeds. */
export function erf(x: number): number {
  const sign = x < 0 ? -1 : 1;
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const poly =
    t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return sign * (1 - poly * Math.exp(-a * a));
}

/** torch's default (exact) GELU: x·Φ(x). */
export function gelu(x: number): number {
  return 0.5 * x * (1 + erf(x / Math.SQRT2));
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** y = W·x + b for one row x (W is torch's [out, in]). */
function apply(l: Linear, x: ArrayLike<number>, xBase: number): Float64Array {
  const y = new Float64Array(l.out);
  for (let o = 0; o < l.out; o++) {
    let sum = l.bias[o];
    const row = o * l.in;
    for (let i = 0; i < l.in; i++) sum += l.weight[row + i] * x[xBase + i];
    y[o] = sum;
  }
  return y;
}

/**
 * The output of `rows` inputs [rows, d_in] from their reads: slots and weights [rows, heads·knn].
 * Returns [rows, out] with out the width of the last stage.
 */
export function computeReadout(
  readout: Readout,
  inputs: Float32Array,
  rows: number,
  dIn: number,
  slots: Int32Array,
  weights: Float32Array,
  reads: number,
): { output: Float32Array; width: number } {
  const outWidth = readout.valueProj ? readout.valueProj.out : readout.width;
  const output = new Float32Array(rows * outWidth);
  const w = readout.width;
  for (let r = 0; r < rows; r++) {
    const xBase = r * dIn;
    let read: Float64Array = new Float64Array(w);
    for (let m = 0; m < reads; m++) {
      const slot = slots[r * reads + m];
      let g = weights[r * reads + m];
      if (readout.kind === 'peer') {
        let dot = 0;
        const u = slot * dIn;
        for (let i = 0; i < dIn; i++) dot += readout.peerU![u + i] * inputs[xBase + i];
        g *= gelu(dot);
      }
      if (g === 0) continue;
      const v = slot * w;
      for (let d = 0; d < w; d++) read[d] += g * readout.values[v + d];
    }
    if (readout.swilu) {
      const gate = apply(readout.swilu, inputs, xBase);
      for (let d = 0; d < w; d++) read[d] *= gate[d] * sigmoid(gate[d]);
    }
    if (readout.valueProj) read = apply(readout.valueProj, read, 0);
    if (readout.gating) {
      const s = sigmoid(apply(readout.gating, inputs, xBase)[0]);
      for (let d = 0; d < read.length; d++) read[d] *= s;
    }
    if (readout.outputNorm) {
      const normed = layerNormRows(Float32Array.from(read), 1, read.length, readout.outputNorm);
      output.set(normed, r * outWidth);
    } else {
      for (let d = 0; d < read.length; d++) output[r * outWidth + d] = read[d];
    }
  }
  return { output, width: outWidth };
}
