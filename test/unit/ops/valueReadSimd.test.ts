import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import { RandomStream } from '../../../src/model/memory/random';
import '../../../src/model/ops/valueRead';
import { VALUE_READ, VALUE_READ_GRAD } from '../../../src/model/ops/valueReadKernels';
import type { WasmBackendLike } from '../../../src/model/ops/wasm/heap';
import { setWasmSimdEnabled, wasmSimd } from '../../../src/model/ops/wasm/simd';
import { onBackend } from './onBackend';

/**
 * The read's WebAssembly SIMD kernels (wasm/assembly/valueRead.ts) against the JS loops they
 * replace (cpu/valueRead.ts, which the wasm kernels run with SIMD switched off): the same bits for
 * the output and both gradients. Values of very different magnitudes make any change in the order
 * or rounding of the adds show in the bits; slots outside the table sit inside four-entry blocks,
 * at a row's end and scattered; entries per row that are not multiples of 4 or 8 leave tails; v_dim
 * 4, 36 (one 32-column chunk and a 4-column one) and 128 cover the kernels' column chunks.
 */

interface SimdCase {
  rows: number;
  heads: number;
  knn: number;
  vDim: number;
  tableRows: number;
}

const CASES: [string, SimdCase][] = [
  [
    'v_dim 64, heads 2 × knn 8 (the default memory)',
    { rows: 21, heads: 2, knn: 8, vDim: 64, tableRows: 300 },
  ],
  ['v_dim 4, 13 entries per row', { rows: 17, heads: 1, knn: 13, vDim: 4, tableRows: 50 }],
  ['v_dim 36, 3 × 3 entries per row', { rows: 11, heads: 3, knn: 3, vDim: 36, tableRows: 40 }],
  ['v_dim 128, 7 entries per row', { rows: 9, heads: 1, knn: 7, vDim: 128, tableRows: 30 }],
  ['v_dim 8, one entry per row', { rows: 5, heads: 1, knn: 1, vDim: 8, tableRows: 3 }],
];

interface Inputs {
  values: Float32Array;
  slots: Int32Array;
  weights: Float32Array;
  dy: Float32Array;
}

function inputsOf(c: SimdCase): Inputs {
  const rng = new RandomStream(c.vDim, c.knn, c.heads);
  const entries = c.rows * c.heads * c.knn;
  const values = rng.fillUniform(new Float32Array(c.tableRows * c.vDim), 3);
  for (let i = 0; i < values.length; i += 5) values[i] *= 1e4;
  const weights = Float32Array.from({ length: entries }, () => rng.next());
  weights[2 % entries] = -0.75; // a negative weight as well
  const dy = rng.fillUniform(new Float32Array(c.rows * c.vDim), 2);
  for (let i = 0; i < dy.length; i += 7) dy[i] *= 1e-3;
  const slots = Int32Array.from({ length: entries }, () => Math.floor(rng.next() * c.tableRows));
  // Outside the table: the second entry, the last, and every 11th (below 0 and past the end).
  for (const at of [1, entries - 1]) slots[at] = at % 2 ? -1 : c.tableRows;
  for (let at = 4; at < entries; at += 11) slots[at] = c.tableRows + at;
  return { values, slots, weights, dy };
}

/** The two kernels on wasm, SIMD on or off: output, dWeights, dRows. */
async function run(c: SimdCase, d: Inputs, simd: boolean): Promise<Float32Array[]> {
  setWasmSimdEnabled(simd);
  const shape: [number, number, number] = [c.rows, c.heads, c.knn];
  const values = tf.tensor2d(d.values, [c.tableRows, c.vDim]);
  const slots = tf.tensor3d(d.slots, shape, 'int32');
  const weights = tf.tensor3d(d.weights, shape);
  const dy = tf.tensor2d(d.dy, [c.rows, c.vDim]);
  const out = tf.engine().runKernel(VALUE_READ, { values, slots, weights }) as tf.Tensor;
  const grads = tf.engine().runKernel(VALUE_READ_GRAD, { dy, values, slots, weights }) as tf.Tensor[];
  const results = (await Promise.all([out, ...grads].map((t) => t.data()))) as Float32Array[];
  tf.dispose([values, slots, weights, dy, out, ...grads]);
  return results;
}

function sameBits(a: Float32Array, b: Float32Array): boolean {
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

describe('fused memory read on wasm: the SIMD kernels and the JS loops', () => {
  afterEach(() => setWasmSimdEnabled(true));

  it.each(CASES)('%s: output and gradients bit for bit, slots outside the table included', async (_, c) => {
    await onBackend('wasm');
    expect(wasmSimd(tf.backend() as unknown as WasmBackendLike)).not.toBeNull();
    const d = inputsOf(c);
    const [simd, loops] = [await run(c, d, true), await run(c, d, false)];
    for (let i = 0; i < 3; i++) expect(sameBits(simd[i], loops[i])).toBe(true);
    // The outputs are real sums: nonzero and finite where a row has entries inside the table.
    expect(simd[0].some((v) => v !== 0)).toBe(true);
    expect(simd.every((a) => a.every(Number.isFinite))).toBe(true);
  });

  it('writes its outputs in place and nothing next to them', async () => {
    await onBackend('wasm');
    const b = tf.backend() as unknown as WasmBackendLike;
    const c = CASES[2][1];
    const d = inputsOf(c);
    const entries = c.rows * c.heads * c.knn;
    // Freed blocks of the outputs' sizes between filled tensors: the allocator hands them to the
    // outputs, so a write past an output's end lands in a neighbour.
    const offset = (t: tf.Tensor) => b.dataIdMap.get(t.dataId)!.memoryOffset;
    const fences: tf.Tensor[] = [tf.fill([64], 7)];
    const holes: number[] = [];
    for (const size of [c.rows * c.vDim, entries, entries * c.vDim]) {
      const hole = tf.zeros([size]);
      holes.push(offset(hole));
      fences.push(hole, tf.fill([64], 7));
    }
    const inputs = [
      tf.tensor2d(d.values, [c.tableRows, c.vDim]),
      tf.tensor3d(d.slots, [c.rows, c.heads, c.knn], 'int32'),
      tf.tensor3d(d.weights, [c.rows, c.heads, c.knn]),
      tf.tensor2d(d.dy, [c.rows, c.vDim]),
    ];
    for (let i = 1; i < fences.length; i += 2) fences[i].dispose();
    const [values, slots, weights, dy] = inputs;
    const out = tf.engine().runKernel(VALUE_READ, { values, slots, weights }) as tf.Tensor;
    const grads = tf.engine().runKernel(VALUE_READ_GRAD, { dy, values, slots, weights }) as tf.Tensor[];
    const outputs = [out, ...grads];
    expect(outputs.map(offset)).toEqual(holes);
    const kept = fences.filter((_, i) => i % 2 === 0);
    for (const f of kept) expect([...(await f.data())].every((v) => v === 7)).toBe(true);
    const read = async (t: tf.Tensor) => (await t.data()) as Float32Array;
    expect(sameBits(await read(inputs[0]), d.values)).toBe(true);
    expect(sameBits(await read(inputs[2]), d.weights)).toBe(true);
    expect(sameBits(await read(inputs[3]), d.dy)).toBe(true);
    const loops = await run(c, d, false);
    for (let i = 0; i < 3; i++) expect(sameBits(await read(outputs[i]), loops[i])).toBe(true);
    tf.dispose([...kept, ...inputs, ...outputs]);
  });
});
