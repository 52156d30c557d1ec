import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { countStepWork } from '../../../bench/lib/stepCounters';
import { createMemory } from '../../../src/model/memory/createMemory';
import { RandomStream } from '../../../src/model/memory/random';
import { ValuePool } from '../../../src/model/memory/valuePool';
import { type FusedOp, withKernelMode } from '../../../src/model/ops/kernelMode';
import { runOnNodeWebgpu } from '../nodeWebgpu';
import { bitsEqual, makeSpec, uniform } from './helpers';

runOnNodeWebgpu();

const LR = 0.05;

/** One member's share of a step: its slot ids and their row gradients [ids, vDim]. */
interface Share {
  ids: Int32Array;
  grads: Float32Array;
}

interface PoolState {
  table: Float32Array;
  m: Float32Array;
  v: Float32Array;
  step: number;
}

async function stateOf(pool: ValuePool): Promise<PoolState> {
  const table = ((await pool.table.data()) as Float32Array).slice();
  const { m, v, step } = await pool.readOptimizerState();
  return { table, m, v, step };
}

/** A pool read by `members` memories (plain objects stand in for them), its table from `values`. */
function makePool(values: Float32Array, slots: number, vDim: number, members: number) {
  const pool = new ValuePool(values, slots, vDim);
  const who = Array.from({ length: members }, () => ({}));
  for (const m of who) pool.join(m);
  return { pool, who };
}

/** Every member contributes its share (in member order); the last one applies the step. */
async function step(
  { pool, who }: ReturnType<typeof makePool>,
  shares: Share[],
  vDim: number,
  control?: tf.Tensor1D,
): Promise<void> {
  for (let i = 0; i < shares.length; i++) {
    const grad = tf.tensor2d(shares[i].grads, [shares[i].ids.length, vDim]);
    await pool.contribute(who[i], tf.tensor1d(shares[i].ids, 'int32'), grad, LR, control);
    grad.dispose();
  }
}

/** The GPU grouping ('fused') or the CPU grouping after a read back ('reference'). */
const grouping = (mode: 'fused' | 'reference') => (mode === 'fused' ? [] : (['valueGrouping'] as FusedOp[]));

/**
 * Runs the same steps on two pools with the same table, one grouping on the GPU and one on the
 * CPU, and checks after every step that table and moments are equal bit for bit, that rows no
 * step read kept their bits, and that the GPU-grouped step read nothing back.
 */
async function checkSameBits(
  slots: number,
  vDim: number,
  steps: Share[][],
  options: { controls?: (tf.Tensor1D | undefined)[] } = {},
): Promise<void> {
  const rng = new RandomStream(3, slots);
  const initial = uniform(slots * vDim, 1, rng);
  const members = steps[0].length;
  const gpu = makePool(initial, slots, vDim, members);
  const cpu = makePool(initial, slots, vDim, members);
  let before = await stateOf(gpu.pool);
  // Counted from the end of the first step, which makes the pools' moments.
  let tensors = 0;
  for (let s = 0; s < steps.length; s++) {
    const control = options.controls?.[s];
    const { work } = await withKernelMode(
      'fused',
      () => countStepWork(() => step(gpu, steps[s], vDim, control)),
      { referenceOps: grouping('fused') },
    );
    expect(work.reads, 'the GPU-grouped step reads nothing back').toBe(0);
    await withKernelMode('fused', () => step(cpu, steps[s], vDim, control), {
      referenceOps: grouping('reference'),
    });
    const [a, b] = [await stateOf(gpu.pool), await stateOf(cpu.pool)];
    expect(a.step).toBe(s + 1);
    expect(bitsEqual(a.table, b.table), `table after step ${s + 1}`).toBe(true);
    expect(bitsEqual(a.m, b.m), `m after step ${s + 1}`).toBe(true);
    expect(bitsEqual(a.v, b.v), `v after step ${s + 1}`).toBe(true);
    const read = new Set(steps[s].flatMap((sh) => Array.from(sh.ids)));
    const applied = !control || (await control.data())[1] > 0;
    for (let row = 0; row < slots; row++) {
      const span = (x: Float32Array) => x.subarray(row * vDim, (row + 1) * vDim);
      const same = ['table', 'm', 'v'].every((k) => bitsEqual(span(a[k as 'm']), span(before[k as 'm'])));
      if (!read.has(row) || !applied) expect(same, `row ${row} untouched at step ${s + 1}`).toBe(true);
    }
    before = a;
    if (s === 0) tensors = tf.memory().numTensors;
  }
  expect(tf.memory().numTensors, 'no tensor left behind by a step').toBe(tensors);
  for (const p of [gpu, cpu]) {
    for (const m of p.who) p.pool.leave(m);
    p.pool.dispose();
  }
}

/** A share of `ids` with gradients of mixed magnitudes, so that the summation order shows in the bits. */
function share(ids: Int32Array, vDim: number, rng: RandomStream): Share {
  const grads = uniform(ids.length * vDim, 1, rng);
  for (let i = 0; i < grads.length; i++) grads[i] *= 10 ** Math.floor(rng.next() * 6 - 3);
  return { ids, grads };
}

const randomIds = (n: number, slots: number, rng: RandomStream) =>
  Int32Array.from({ length: n }, () => Math.floor(rng.next() * slots));

describe('value grouping on the GPU (Dawn in Node) = the CPU grouping, bit for bit', () => {
  it('random ids with duplicates, three steps', async () => {
    const rng = new RandomStream(7, 1);
    const steps = [1, 2, 3].map(() => [share(randomIds(700, 256, rng), 6, rng)]);
    await checkSameBits(256, 6, steps);
  });

  it('every id the same slot (one hot row summed over all occurrences), and all ids distinct', async () => {
    const rng = new RandomStream(7, 2);
    const hot = share(new Int32Array(1500).fill(37), 5, rng);
    const perm = Int32Array.from({ length: 1024 }, (_, i) => (i * 389) % 1024);
    const distinct = share(perm, 5, rng);
    // Mostly one slot, a few others between: the hot row's members must still sum in order.
    const mixed = share(
      Int32Array.from({ length: 900 }, (_, i) => (i % 97 === 0 ? i : 5)),
      5,
      rng,
    );
    await checkSameBits(1024, 5, [[hot], [distinct], [mixed], [hot]]);
  });

  it.each([2, 3])('a pool shared by %i members: their ids joined in member order', async (members) => {
    const rng = new RandomStream(7, 10 + members);
    const steps = [1, 2, 3].map(() =>
      Array.from({ length: members }, (_, i) => share(randomIds(300 + 50 * i, 128, rng), 4, rng)),
    );
    await checkSameBits(128, 4, steps);
  });

  it('a skipped step (control apply = 0) writes nothing, and the next one applies', async () => {
    const rng = new RandomStream(7, 20);
    const skip = tf.tensor1d([1, 0]);
    const go = tf.tensor1d([0.5, 1]);
    const steps = [1, 2, 3].map(() => [share(randomIds(400, 64, rng), 3, rng)]);
    await checkSameBits(64, 3, steps, { controls: [go, skip, go] });
    tf.dispose([skip, go]);
  });

  it('many ids: the update dispatch is split in y past 65,535 workgroups', async () => {
    // 18,000 ids × 256 columns = 72,000 workgroups of 64 threads for the row update.
    const rng = new RandomStream(7, 30);
    await checkSameBits(4096, 256, [[share(randomIds(18_000, 4096, rng), 256, rng)]]);
  }, 120_000);

  it('a memory module’s applyValueGradients on the GPU grouping reads nothing back', async () => {
    const spec = makeSpec({ n_keys: 8, knn: 4, heads: 2, v_dim: 8, d_in: 8 });
    const mod = createMemory(spec, { seed: 9 });
    const n = 16;
    const x = tf.randomNormal([n, spec.d_in], 0, 1, 'float32', 1) as tf.Tensor2D;
    const grad = tf.randomNormal([n, spec.heads, spec.knn, spec.v_dim], 0, 1, 'float32', 2);
    let tensors = 0;
    for (let s = 0; s < 3; s++) {
      const read = mod.forward(x, 'train');
      tf.dispose([read.output, read.slots, read.scores, read.weights]);
      const before = (await mod.readWeights()).values;
      const { work } = await withKernelMode('fused', () =>
        countStepWork(() => mod.applyValueGradients([grad], 0.1)),
      );
      expect(work.reads).toBe(0);
      expect(mod.valueUpdateKind).toBe('webgpu');
      expect(bitsEqual((await mod.readWeights()).values, before)).toBe(false);
      if (s === 0) tensors = tf.memory().numTensors;
    }
    expect(tf.memory().numTensors).toBe(tensors);
    tf.dispose([x, grad]);
    mod.dispose();
  });

  it('ids outside the table are left out (nothing written for them), the others updated', async () => {
    const slots = 32;
    const vDim = 4;
    const rng = new RandomStream(7, 40);
    const withBad = share(Int32Array.from([3, -1, slots, 3, 7, 2 ** 30, 7]), vDim, rng);
    const keep = [0, 3, 4, 6];
    const valid: Share = {
      ids: Int32Array.from(keep.map((o) => withBad.ids[o])),
      grads: Float32Array.from(
        keep.flatMap((o) => Array.from(withBad.grads.subarray(o * vDim, (o + 1) * vDim))),
      ),
    };
    const initial = uniform(slots * vDim, 1, rng);
    const gpu = makePool(initial, slots, vDim, 1);
    const cpu = makePool(initial, slots, vDim, 1);
    await withKernelMode('fused', () => step(gpu, [withBad], vDim));
    await withKernelMode('fused', () => step(cpu, [valid], vDim), { referenceOps: ['valueGrouping'] });
    const [a, b] = [await stateOf(gpu.pool), await stateOf(cpu.pool)];
    expect(bitsEqual(a.table, b.table)).toBe(true);
    expect(bitsEqual(a.m, b.m)).toBe(true);
    expect(bitsEqual(a.v, b.v)).toBe(true);
    // The CPU grouping refuses such ids outright.
    await expect(
      withKernelMode('fused', () => step(cpu, [withBad], vDim), { referenceOps: ['valueGrouping'] }),
    ).rejects.toThrow(/outside 0\.\.31/);
    for (const p of [gpu, cpu]) p.pool.dispose();
  });
});
