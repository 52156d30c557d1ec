import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import { RandomStream } from '../../../src/model/memory/random';
import { productSelectGrad, type SelectGradShape } from '../../../src/model/ops/cpu/productSelectGrad';
import '../../../src/model/ops/productSelect';
import { PRODUCT_SELECT_GRAD } from '../../../src/model/ops/productSelectKernels';
import type { WasmBackendLike } from '../../../src/model/ops/wasm/heap';
import { setWasmSimdEnabled, wasmSimd } from '../../../src/model/ops/wasm/simd';
import { onBackend } from './onBackend';

/**
 * The selection gradient's WebAssembly SIMD kernel (wasm/assembly/productSelectGrad.ts) against
 * the JS loop it replaces (cpu/productSelectGrad.ts, which the wasm kernel runs with SIMD off):
 * dq and dKeys bit for bit. Sub-key rows repeat (a key row gets several adds, whose order shows in
 * the bits), values span eight orders of magnitude (the float32 roundings after each add show),
 * and half = k_dim/2 of 1, 3, 7 and 16 covers the kernel's four-column vectors and scalar tail;
 * knn not a multiple of 4 covers the JS loop's slot tail.
 */

const CASES: [string, SelectGradShape][] = [
  ['the default memory: half 16, heads 2 × knn 8', { rows: 48, heads: 2, nKeys: 32, knn: 8, kDim: 32 }],
  ['half 3, heads 3 × knn 5', { rows: 17, heads: 3, nKeys: 11, knn: 5, kDim: 6 }],
  ['half 7, heads 2 × knn 10', { rows: 13, heads: 2, nKeys: 16, knn: 10, kDim: 14 }],
  ['half 1, one head, knn 1', { rows: 9, heads: 1, nKeys: 4, knn: 1, kDim: 2 }],
  ['half 4, heads 4 × knn 16, every slot', { rows: 6, heads: 4, nKeys: 4, knn: 16, kDim: 8 }],
];

interface Inputs {
  dy: Float32Array;
  slots: Int32Array;
  q: Float32Array;
  keys: Float32Array;
}

const sizes = (s: SelectGradShape) => ({
  entries: s.rows * s.heads * s.knn,
  q: s.rows * s.heads * s.kDim,
  keys: s.heads * s.nKeys * s.kDim,
});

function inputsOf(s: SelectGradShape): Inputs {
  const rng = new RandomStream(s.kDim, s.knn, s.heads);
  const n = sizes(s);
  const dy = rng.fillUniform(new Float32Array(n.entries), 1);
  for (let i = 0; i < dy.length; i += 3) dy[i] *= 1e-3;
  // Sub-key rows from three values each: most key rows are read by many slots.
  const pick = () => Math.floor(rng.next() * Math.min(3, s.nKeys));
  const slots = Int32Array.from({ length: n.entries }, () => pick() * s.nKeys + pick());
  const q = rng.fillUniform(new Float32Array(n.q), 2);
  for (let i = 0; i < q.length; i += 3) q[i] *= 1e4;
  const keys = rng.fillUniform(new Float32Array(n.keys), 1);
  for (let i = 1; i < keys.length; i += 4) keys[i] *= 1e-4;
  return { dy, slots, q, keys };
}

/** The JS loop on plain arrays. */
function loop(s: SelectGradShape, d: Inputs): { dq: Float32Array; dKeys: Float32Array } {
  const dq = new Float32Array(d.q.length);
  const dKeys = new Float32Array(d.keys.length);
  productSelectGrad(d.dy, d.slots, d.q, d.keys, s, dq, dKeys);
  return { dq, dKeys };
}

/** The wasm kernel, SIMD on or off: [dq, dKeys]. */
async function runKernel(s: SelectGradShape, d: Inputs, simd: boolean): Promise<Float32Array[]> {
  setWasmSimdEnabled(simd);
  const dy = tf.tensor3d(d.dy, [s.rows, s.heads, s.knn]);
  const slots = tf.tensor3d(d.slots, [s.rows, s.heads, s.knn], 'int32');
  const q = tf.tensor2d(d.q, [s.rows, s.heads * s.kDim]);
  const keys = tf.tensor4d(d.keys, [s.heads, 2, s.nKeys, s.kDim / 2]);
  const attrs = { heads: s.heads, nKeys: s.nKeys };
  const out = tf.engine().runKernel(PRODUCT_SELECT_GRAD, { dy, slots, q, keys }, attrs) as tf.Tensor[];
  const results = (await Promise.all(out.map((t) => t.data()))) as Float32Array[];
  tf.dispose([dy, slots, q, keys, ...out]);
  return results;
}

function sameBits(a: Float32Array, b: Float32Array): boolean {
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

describe('product-key selection gradient on wasm: the SIMD kernel and the JS loop', () => {
  afterEach(() => setWasmSimdEnabled(true));

  it.each(CASES)('%s: dq and dKeys bit for bit', async (_, s) => {
    await onBackend('wasm');
    expect(wasmSimd(tf.backend() as unknown as WasmBackendLike)).not.toBeNull();
    const d = inputsOf(s);
    const [simd, loops] = [await runKernel(s, d, true), await runKernel(s, d, false)];
    expect(sameBits(simd[0], loops[0])).toBe(true);
    expect(sameBits(simd[1], loops[1])).toBe(true);
    const want = loop(s, d);
    expect(sameBits(loops[0], want.dq)).toBe(true);
    expect(sameBits(loops[1], want.dKeys)).toBe(true);
    expect(simd.every((a) => a.every(Number.isFinite) && a.some((v) => v !== 0))).toBe(true);
  });

  it('the inputs tell the roundings and orders apart: float32 products or reversed slots change bits', () => {
    // Were the kernel to round g·x to float32, or to add a key row's slots in another order, the
    // cases above would see it: the same sums made those ways differ from the loop's bits.
    const s = CASES[0][1];
    const d = inputsOf(s);
    const want = loop(s, d).dKeys;
    const half = s.kDim / 2;
    const variant = (roundProduct: boolean, reverse: boolean) => {
      const dKeys = new Float32Array(d.keys.length);
      const entries = sizes(s).entries;
      for (let k = 0; k < entries; k++) {
        const o = reverse ? entries - 1 - k : k;
        const h = Math.floor(o / s.knn) % s.heads;
        const qRow = Math.floor(o / s.knn) * s.kDim;
        const i = Math.floor(d.slots[o] / s.nKeys);
        const j = d.slots[o] % s.nKeys;
        const rows = [(h * 2 * s.nKeys + i) * half, ((h * 2 + 1) * s.nKeys + j) * half];
        for (let c = 0; c < half; c++)
          for (const [at, x] of [
            [rows[0] + c, d.q[qRow + c]],
            [rows[1] + c, d.q[qRow + half + c]],
          ]) {
            const p = d.dy[o] * x;
            dKeys[at] += roundProduct ? Math.fround(p) : p;
          }
      }
      return dKeys;
    };
    expect(sameBits(variant(false, false), want)).toBe(true);
    expect(sameBits(variant(true, false), want)).toBe(false);
    expect(sameBits(variant(false, true), want)).toBe(false);
  });

  it('the kernel itself: 1 and the loop’s bits; 0 for a slot outside [0, nKeys²), outside tensors untouched', async () => {
    await onBackend('wasm');
    const simd = wasmSimd(tf.backend() as unknown as WasmBackendLike)!;
    const s = CASES[2][1];
    const d = inputsOf(s);
    const want = loop(s, d);
    const fence = () => tf.fill([64], 7);
    const fences = [fence()];
    const tensors = [
      tf.tensor1d(d.dy),
      tf.tensor1d(d.slots, 'int32'),
      tf.tensor1d(d.q),
      tf.tensor1d(d.keys),
      tf.fill([d.q.length], Number.NaN),
      tf.fill([d.keys.length], Number.NaN),
    ];
    fences.push(fence());
    const at = tensors.map((t) => simd.at(t));
    const [dy, slots, q, keys, dq, dKeys] = at;
    const call = () =>
      simd.run.productSelectGrad(dy, slots, q, keys, dq, dKeys, s.heads, s.rows, s.nKeys, s.knn, s.kDim / 2);
    expect(call()).toBe(1);
    const read = async (t: tf.Tensor) => (await t.data()) as Float32Array;
    expect(sameBits(await read(tensors[4]), want.dq)).toBe(true);
    expect(sameBits(await read(tensors[5]), want.dKeys)).toBe(true);
    for (const bad of [-1, s.nKeys * s.nKeys]) {
      const changed = d.slots.slice();
      changed[changed.length - 1] = bad;
      new Int32Array(simd.memory.buffer, slots, changed.length).set(changed);
      expect(call()).toBe(0);
    }
    for (const f of fences) expect([...(await f.data())].every((v) => v === 7)).toBe(true);
    expect(sameBits(await read(tensors[0]), d.dy)).toBe(true);
    expect(sameBits(await read(tensors[2]), d.q)).toBe(true);
    expect(sameBits(await read(tensors[3]), d.keys)).toBe(true);
    tf.dispose([...fences, ...tensors]);
  });

  it('a slot outside [0, nKeys²): the wasm kernel falls back to the JS loop, the same bits as SIMD off', async () => {
    await onBackend('wasm');
    const s = CASES[1][1];
    const d = inputsOf(s);
    d.slots[4] = s.nKeys * s.nKeys + 3;
    d.slots[d.slots.length - 2] = -5;
    const [simd, loops] = [await runKernel(s, d, true), await runKernel(s, d, false)];
    expect(sameBits(simd[0], loops[0])).toBe(true);
    expect(sameBits(simd[1], loops[1])).toBe(true);
  });
});
