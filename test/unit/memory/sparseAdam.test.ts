import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { countStepWork } from '../../../bench/lib/stepCounters';
import { createMemory } from '../../../src/model/memory/createMemory';
import { RandomStream } from '../../../src/model/memory/random';
import { SlotSegmenter } from '../../../src/model/memory/sparse/slotSegments';
import { ValuePool } from '../../../src/model/memory/valuePool';
import { setWasmSimdEnabled } from '../../../src/model/ops/wasm/simd';
import { bitsEqual, makeSpec, useBackend } from './helpers';
import { checkSparseSteps } from './sparseCheck';

describe('sparse Adam on the value rows', () => {
  it('cpu: in place in the backend TypedArray, untouched rows bit-identical, touched rows match Adam', async () => {
    await useBackend('cpu');
    await checkSparseSteps('cpu');
  });

  it('wasm: in place in the wasm heap, untouched rows bit-identical, touched rows match Adam', async () => {
    await useBackend('wasm');
    await checkSparseSteps('wasm');
  });

  it.each(['wasm', 'cpu'] as const)(
    'generic tensorScatterUpdate path on %s gives the same results',
    async (backend) => {
      await useBackend(backend);
      await checkSparseSteps('generic', { valueUpdate: 'generic' });
    },
  );

  it.each(['cpu', 'wasm'] as const)(
    '%s: the update reads nothing back (ids, gradients and control from the backend memory)',
    async (backend) => {
      await useBackend(backend);
      const spec = makeSpec({ n_keys: 6, knn: 3, heads: 2, v_dim: 4 });
      const mod = createMemory(spec, { seed: 3 });
      const n = 5;
      const x = tf.randomNormal([n, spec.d_in], 0, 1, 'float32', 5) as tf.Tensor2D;
      const grad = tf.randomNormal([n, spec.heads, spec.knn, spec.v_dim], 0, 1, 'float32', 6);
      const skip = tf.tensor1d([1, 0]);
      const go = tf.tensor1d([0.5, 1]);
      let tensors = 0;
      for (let s = 0; s < 4; s++) {
        const read = mod.forward(x, 'train');
        tf.dispose([read.output, read.slots, read.scores, read.weights]);
        const before = (await mod.readWeights()).values;
        const control = s === 2 ? skip : go;
        const { work } = await countStepWork(() => mod.applyValueGradients([grad], 0.1, control));
        expect(work.reads).toBe(0);
        const after = (await mod.readWeights()).values;
        // The skipped step writes nothing; the others move the rows read.
        expect(bitsEqual(after, before)).toBe(s === 2);
        if (s === 0) tensors = tf.memory().numTensors;
      }
      expect(tf.memory().numTensors).toBe(tensors);
      tf.dispose([x, grad, skip, go]);
      mod.dispose();
    },
  );

  it.each(['cpu', 'wasm'] as const)(
    '%s: a shared pool joins its members’ ids without a read',
    async (backend) => {
      await useBackend(backend);
      const pool = new ValuePool(new Float32Array(16), 8, 2);
      const [a, b] = [{}, {}];
      pool.join(a);
      pool.join(b);
      const g = tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2]);
      const { work } = await countStepWork(async () => {
        await pool.contribute(a, tf.tensor1d([1, 5, 1], 'int32'), g, 0.1);
        await pool.contribute(b, tf.tensor1d([5, 2, 7], 'int32'), g, 0.1);
      });
      expect(work.reads).toBe(0);
      const table = (await pool.table.data()) as Float32Array;
      // The first Adam step moves every read row by −lr·sign(g) per column (g summed per slot > 0).
      for (const row of [1, 2, 5, 7]) for (const c of [0, 1]) expect(table[row * 2 + c]).toBeCloseTo(-0.1, 5);
      for (const row of [0, 3, 4, 6]) for (const c of [0, 1]) expect(table[row * 2 + c]).toBe(0);
      g.dispose();
      pool.dispose();
    },
  );

  it('groups slot ids by slot in O(ids) and resets its marker between steps', () => {
    const segmenter = new SlotSegmenter(10);
    const s = segmenter.segment(Int32Array.from([7, 2, 7, 7, 0, 2]));
    expect(Array.from(s.rows)).toEqual([7, 2, 0]);
    expect(Array.from(s.offsets)).toEqual([0, 3, 5, 6]);
    expect(Array.from(s.occurrences)).toEqual([0, 2, 3, 1, 5, 4]);
    expect(Array.from(s.segmentOf)).toEqual([0, 1, 0, 0, 2, 1]);
    const again = segmenter.segment(Int32Array.from([2, 9]));
    expect(Array.from(again.rows)).toEqual([2, 9]);
    expect(() => segmenter.segment(Int32Array.from([3, 10]))).toThrow(/slot id 10/);
    expect(Array.from(segmenter.segment(Int32Array.from([3])).rows)).toEqual([3]);
  });

  it('groups like a Map from slot to positions, for many ids, structured ids and calls of any size', () => {
    const segmenter = new SlotSegmenter(1 << 20);
    const rng = new RandomStream(9);
    // Random ids with repeats, 4,096 distinct ids (the table half full: long probe runs),
    // multiples of 2^12 (ids alike in their low bits), one id, none.
    const cases = [
      Int32Array.from({ length: 4096 }, (_, i) => (i * 2654435761) % (1 << 20)),
      Int32Array.from({ length: 5000 }, () => Math.floor(rng.next() * 3000) * 7),
      Int32Array.from({ length: 700 }, () => Math.floor(rng.next() * 200) << 12),
      Int32Array.from([123456]),
      new Int32Array(0),
      Int32Array.from({ length: 40 }, () => Math.floor(rng.next() * (1 << 20))),
    ];
    for (const ids of cases) {
      const want = new Map<number, number[]>();
      for (const [o, id] of ids.entries()) want.set(id, [...(want.get(id) ?? []), o]);
      const s = segmenter.segment(ids);
      expect(Array.from(s.rows)).toEqual([...want.keys()]);
      const got = Array.from(s.rows, (_, u) =>
        Array.from(s.occurrences.subarray(s.offsets[u], s.offsets[u + 1])),
      );
      expect(got).toEqual([...want.values()]);
      expect(Array.from(s.segmentOf, (u) => s.rows[u])).toEqual(Array.from(ids));
    }
  });

  it('refuses an update without a train forward, twice for one forward, or with a wrong gradient', async () => {
    await useBackend('wasm');
    const spec = makeSpec();
    const mod = createMemory(spec, { seed: 1 });
    const x = tf.randomNormal([4, spec.d_in]) as tf.Tensor2D;
    const wrong = tf.zeros([4, spec.heads, spec.knn, spec.v_dim + 1]);
    await expect(mod.applyValueGradients([wrong], 0.1)).rejects.toThrow(/forward\(x, "train"\)/);
    expect(() => mod.valueGradientVariables()).toThrow(/not known yet/);
    const read = mod.forward(x, 'train');
    await expect(mod.applyValueGradients([wrong], 0.1)).rejects.toThrow(/does not match/);
    await expect(mod.applyValueGradients([], 0.1)).rejects.toThrow(/one tensor/);
    const good = tf.zeros([4, spec.heads, spec.knn, spec.v_dim]);
    await expect(mod.applyValueGradients([good], Number.NaN)).rejects.toThrow(/lr must be/);
    await mod.applyValueGradients([good], 0.1);
    await expect(mod.applyValueGradients([good], 0.1)).rejects.toThrow(/once per update/);
    tf.dispose([x, wrong, good, read.output, read.slots, read.scores, read.weights]);
    mod.dispose();
  });
});

describe('sparse Adam on wasm: the SIMD kernel and the JS loops', () => {
  /** Values after `steps` sparse steps of a fresh memory, with SIMD kernels on or off. */
  async function valuesAfter(simd: boolean, vDim: number, steps: number): Promise<Float32Array> {
    setWasmSimdEnabled(simd);
    try {
      const spec = makeSpec({ n_keys: 6, knn: 4, heads: 3, v_dim: vDim });
      const mod = createMemory(spec, { seed: 11 });
      const n = 9;
      const x = tf.randomNormal([n, spec.d_in], 0, 1, 'float32', 12) as tf.Tensor2D;
      // Signed zeros and tiny values among the gradients: the JS adds 0 + g, so must the kernel.
      const g = new RandomStream(13, n, vDim).fillUniform(
        new Float32Array(n * spec.heads * spec.knn * vDim),
        1,
      );
      g[0] = -0;
      g[1] = 1e-30;
      const grad = tf.tensor4d(g, [n, spec.heads, spec.knn, vDim]);
      for (let s = 0; s < steps; s++) {
        const read = mod.forward(x, 'train');
        tf.dispose([read.output, read.slots, read.scores, read.weights]);
        await mod.applyValueGradients([grad], 0.05);
      }
      const values = (await mod.readWeights()).values as Float32Array;
      tf.dispose([x, grad]);
      mod.dispose();
      return values;
    } finally {
      setWasmSimdEnabled(true);
    }
  }

  it.each([8, 4, 6])(
    'v_dim %i: the same tables bit for bit after 5 steps (duplicate slots in every step)',
    async (vDim) => {
      await useBackend('wasm');
      const simd = await valuesAfter(true, vDim, 5);
      const loops = await valuesAfter(false, vDim, 5);
      expect(bitsEqual(simd, loops)).toBe(true);
      // And the steps did move rows (a comparison of untouched tables would prove nothing).
      const fresh = await valuesAfter(false, vDim, 0);
      expect(bitsEqual(simd, fresh)).toBe(false);
    },
  );
});
