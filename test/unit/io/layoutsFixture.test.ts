/**
 * The layouts against the project's shared reference (test/fixtures/productKeyMemory.ts): a known
 * memory is written in lucidrains' and lingua's own layouts by the project's safetensors writer,
 * read back with its layout detected, and its slots, weights and output compared with the
 * fixture's exact lookup.
 */
import { describe, expect, it } from 'vitest';
import { readMemoryFile } from '../../../src/model/io/layouts';
import { type Float32Tensor, writeSafetensors } from '../../../src/model/io/safetensors';
import { mulberry32, normalArray } from '../../fixtures/prng';
import {
  calibrateBatchNorm,
  lookupSlots,
  makeFixtureMemory,
  traceLookup,
  valueRow,
} from '../../fixtures/productKeyMemory';
import { expectClose, readAll } from './layoutHelpers';

const inputs = (count: number, dIn: number) => {
  const rng = mulberry32(77);
  return Array.from({ length: count }, () => normalArray(rng, dIn, 1));
};

function valueTable(mem: ReturnType<typeof makeFixtureMemory>): Float32Array {
  const { n_keys: n, v_dim } = mem.spec;
  const out = new Float32Array(n * n * v_dim);
  for (let s = 0; s < n * n; s++) out.set(valueRow(mem, s), s * v_dim);
  return out;
}

async function compare(
  bytes: Uint8Array,
  mem: ReturnType<typeof makeFixtureMemory>,
  xs: Float32Array[],
  layout: string,
) {
  const memory = await readMemoryFile(bytes, { knn: mem.spec.knn });
  expect(memory.layout).toBe(layout);
  const flat = new Float32Array(xs.length * mem.spec.d_in);
  for (const [i, x] of xs.entries()) flat.set(x, i * mem.spec.d_in);
  const got = await readAll(memory, flat, xs.length, 5);
  xs.forEach((x, b) => {
    const want = lookupSlots(mem, x);
    expect(got.indices[b].flat()).toEqual(Array.from(want.slots));
    expectClose(got.weights[b].flat(), Array.from(want.weights), 5);
    expectClose(got.output![b], Array.from(traceLookup(mem, x).output), 5);
  });
}

describe('layouts against the shared product-key reference', () => {
  it('lucidrains PKM: (p h d) rows, keys [H, n, 2, d], one LayerNorm for all heads and halves', async () => {
    const mem = makeFixtureMemory({
      d_in: 12,
      heads: 2,
      n_keys: 16,
      k_dim: 8,
      knn: 5,
      v_dim: 12,
      query_norm: 'layernorm',
      seed: 3,
    });
    mem.queryB.fill(0); // PKM's query has no bias
    const { d_in: dim, heads: h, n_keys: n, k_dim } = mem.spec;
    const d = k_dim / 2;
    const width = h * k_dim;
    const rows = new Float32Array(2 * h * d * dim);
    for (let p = 0; p < 2; p++)
      for (let head = 0; head < h; head++)
        for (let j = 0; j < d; j++)
          for (let i = 0; i < dim; i++)
            rows[((p * h + head) * d + j) * dim + i] = mem.queryW[i * width + head * k_dim + p * d + j];
    const keys = new Float32Array(mem.keys.length);
    for (let head = 0; head < h; head++)
      for (let p = 0; p < 2; p++)
        for (let i = 0; i < n; i++)
          keys.set(
            mem.keys.subarray(((head * 2 + p) * n + i) * d, ((head * 2 + p) * n + i + 1) * d),
            ((head * n + i) * 2 + p) * d,
          );
    const t: Record<string, Float32Tensor> = {
      'to_queries.weight': { shape: [2 * h * d, dim], data: rows },
      'norm.weight': { shape: [d], data: new Float32Array(d).fill(1) },
      'norm.bias': { shape: [d], data: new Float32Array(d) },
      keys: { shape: [h, n, 2, d], data: keys },
      'values.weight': { shape: [n * n, dim], data: valueTable(mem) },
    };
    await compare(writeSafetensors(t), mem, inputs(11, dim), 'lucidrains');
  });

  it('lingua HashingMemory: keys [2·H·n, k/2], query bias, BatchNorm with running statistics', async () => {
    const mem = makeFixtureMemory({
      d_in: 10,
      heads: 3,
      n_keys: 12,
      k_dim: 6,
      knn: 4,
      v_dim: 7,
      query_norm: 'batchnorm',
      seed: 4,
    });
    const xs = inputs(13, 10);
    calibrateBatchNorm(mem, xs);
    const { d_in: dIn, heads: h, n_keys: n, k_dim } = mem.spec;
    const width = h * k_dim;
    const w = new Float32Array(width * dIn);
    for (let o = 0; o < width; o++) for (let i = 0; i < dIn; i++) w[o * dIn + i] = mem.queryW[i * width + o];
    const t: Record<string, Float32Tensor> = {
      keys: { shape: [2 * h * n, k_dim / 2], data: mem.keys },
      'query_proj.query_mlps.0.weight': { shape: [width, dIn], data: w },
      'query_proj.query_mlps.0.bias': { shape: [width], data: mem.queryB },
      'query_proj.query_mlps.1.weight': { shape: [width], data: new Float32Array(width).fill(1) },
      'query_proj.query_mlps.1.bias': { shape: [width], data: new Float32Array(width) },
      'query_proj.query_mlps.1.running_mean': { shape: [width], data: mem.runningMean },
      'query_proj.query_mlps.1.running_var': { shape: [width], data: mem.runningVar },
      'query_proj.query_mlps.1.num_batches_tracked': { shape: [], data: new Float32Array([100]) },
      'values.weight': { shape: [n * n, 7], data: valueTable(mem) },
    };
    await compare(writeSafetensors(t), mem, xs, 'lingua');
  });
});
