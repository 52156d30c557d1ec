import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { createMemory } from '../../../src/model/memory/createMemory';
import { RandomStream } from '../../../src/model/memory/random';
import { runOnNodeWebgpu } from '../nodeWebgpu';
import { bruteForce, integers, integerWeights, makeSpec } from './helpers';
import { checkSparseSteps } from './sparseCheck';

runOnNodeWebgpu();

describe('memory on WebGPU (Dawn in Node)', () => {
  it('tf.topk keeps the lower index first on ties on the GPU path', async () => {
    expect(tf.getBackend()).toBe('webgpu');
    const rng = new RandomStream(5, 5);
    for (const [rows, width, k] of [
      [64, 37, 8],
      [16, 512, 32],
      [4, 4096, 64],
    ]) {
      const data = integers(rows * width, 1, rng);
      const top = tf.topk(tf.tensor2d(data, [rows, width]), k);
      const idx = await top.indices.data();
      tf.dispose([top.values, top.indices]);
      for (let r = 0; r < rows; r++) {
        const ids = Array.from({ length: width }, (_, i) => i);
        ids.sort((a, b) => data[r * width + b] - data[r * width + a] || a - b);
        expect(Array.from(idx.slice(r * k, (r + 1) * k))).toEqual(ids.slice(0, k));
      }
    }
  });

  it.each([
    ['product', 64, 16],
    ['flat', 32, 8],
  ] as const)('%s keys with forced ties match the brute force', async (mem_keys, n_keys, knn) => {
    const spec = makeSpec({ mem_keys, n_keys, knn, k_dim: 2, heads: 2, d_in: 3, v_dim: 2 });
    const weights = integerWeights(spec, 17, 1);
    const n = 16;
    const x = integers(n * spec.d_in, 1, new RandomStream(2, n_keys));
    const mod = createMemory(spec, { weights });
    const read = mod.forward(tf.tensor2d(x, [n, spec.d_in]), 'eval');
    const slots = (await read.slots.data()) as Int32Array;
    tf.dispose([read.output, read.slots, read.scores, read.weights]);
    mod.dispose();
    expect(Array.from(slots)).toEqual(Array.from(bruteForce(spec, weights, x, n).slots));
  });

  it.each([
    ['product', 'batchnorm'],
    ['flat', 'layernorm'],
  ] as const)(
    '%s keys, %s: gradients through the custom ops equal those on wasm',
    async (mem_keys, query_norm) => {
      const spec = makeSpec({
        mem_keys,
        query_norm,
        n_keys: 16,
        knn: 4,
        heads: 2,
        k_dim: 8,
        d_in: 8,
        v_dim: 6,
      });
      const rng = new RandomStream(8, 8);
      const x = new Float32Array(64 * spec.d_in).map(() => rng.next() * 2 - 1);
      const r = new Float32Array(64 * spec.v_dim).map(() => rng.next() * 2 - 1);
      const gradsOn = async (backend: string) => {
        await tf.setBackend(backend);
        const mod = createMemory(spec, { seed: 4 });
        const xt = tf.tensor2d(x, [64, spec.d_in]);
        const rt = tf.tensor2d(r, [64, spec.v_dim]);
        const vars = [...mod.denseVariables(), ...mod.valueGradientVariables(64)];
        const { value, grads } = tf.variableGrads(
          () => tf.sum(tf.mul(mod.forward(xt, 'train').output, rt)) as tf.Scalar,
          vars,
        );
        const out = await Promise.all(
          vars.map(async (v) => Array.from((await grads[v.name].data()) as Float32Array)),
        );
        tf.dispose([xt, rt, value, ...Object.values(grads)]);
        mod.dispose();
        return out;
      };
      const wasm = await gradsOn('wasm');
      const gpu = await gradsOn('webgpu');
      expect(gpu.length).toBe(wasm.length);
      for (let i = 0; i < gpu.length; i++) {
        const scale = Math.max(...wasm[i].map(Math.abs));
        expect(scale).toBeGreaterThan(0);
        for (let j = 0; j < gpu[i].length; j++)
          expect(Math.abs(gpu[i][j] - wasm[i][j])).toBeLessThan(1e-4 * scale + 1e-6);
      }
    },
  );

  it.each(['product', 'flat'] as const)('%s keys: trace matches the one on wasm', async (mem_keys) => {
    const spec = makeSpec({ mem_keys, n_keys: 32, knn: 8, heads: 2, k_dim: 16, d_in: 16, v_dim: 16 });
    const x = new Float32Array(spec.d_in).map((_, i) => Math.sin(i + 1));
    const traceOn = async (backend: string) => {
      await tf.setBackend(backend);
      const mod = createMemory(spec, { seed: 6 });
      const trace = await mod.trace(x);
      mod.dispose();
      return trace;
    };
    const want = await traceOn('wasm');
    const got = await traceOn('webgpu');
    expect(got.heads.map((h) => Array.from(h.slots))).toEqual(want.heads.map((h) => Array.from(h.slots)));
    got.heads.forEach((head, h) => {
      const ref = want.heads[h];
      if (mem_keys === 'product') {
        expect(Array.from(head.subTop![0].indices)).toEqual(Array.from(ref.subTop![0].indices));
        expect(Array.from(head.candidateRank!.col)).toEqual(Array.from(ref.candidateRank!.col));
      }
      for (let t = 0; t < spec.knn; t++) expect(head.weights[t]).toBeCloseTo(ref.weights[t], 5);
    });
    for (let i = 0; i < spec.v_dim; i++) expect(got.output[i]).toBeCloseTo(want.output[i], 5);
  });

  it.each([
    { n_keys: 8, v_dim: 5 },
    { n_keys: 32, v_dim: 8 },
  ])('sparse Adam in place on the GPU buffers ($n_keys² slots × $v_dim)', async (size) => {
    await tf.setBackend('webgpu');
    await checkSparseSteps('webgpu', {}, size);
  });
});
