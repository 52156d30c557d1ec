import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import { denseAdamLoop } from '../../../src/model/ops/cpu/denseAdam';
import { applyDenseAdam, denseAdamKernel } from '../../../src/model/ops/denseAdam';
import { withKernelMode } from '../../../src/model/ops/kernelMode';
import { ADAM_BETA1, ADAM_BETA2 } from '../../../src/model/training/adam';

/**
 * The wasm dense Adam (its SIMD kernel or its JS loop over the heap, whichever is switched on)
 * against denseAdamLoop run on plain copies of the same arrays: bit for bit, NaN for NaN, with
 * every length from 1 to 9 and a long odd one (the SIMD kernel's scalar tail), values that
 * overflow, underflow, are zero of either sign or NaN, a non-unit scale and masked steps.
 */

const LENGTHS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 1027];

/** Random floats with special values sprinkled in (seeded by k). */
function values(n: number, k: number, scale: number, special: boolean): Float32Array {
  let s = (k * 2654435761) >>> 0;
  const out = new Float32Array(n);
  const extremes = [0, -0, 1e-40, -1e-40, 1e30, -1e30, 3e-39, Number.NaN];
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = special && i % 13 === 5 ? extremes[(i + k) % extremes.length] : ((s / 2 ** 32) * 2 - 1) * scale;
  }
  return out;
}

/** [gradScale, apply] per step: scaled, unit, masked (apply 0, then NaN), scaled again. */
const CONTROLS: [number, number][] = [
  [0.37, 1],
  [1, 1],
  [0.5, 0],
  [2, Number.NaN],
  [0.0625, 1],
];

/** Bits of a float32 array with every NaN made one NaN (lanes may carry other payloads). */
function bits(a: Float32Array): Uint32Array {
  const out = new Uint32Array(new Float32Array(a).buffer);
  a.forEach((x, i) => {
    if (Number.isNaN(x)) out[i] = 0x7fc00000;
  });
  return out;
}

export async function checkWasmAgainstLoop(): Promise<void> {
  const make = (seed: number, scale: number, special: boolean) =>
    LENGTHS.map((n, k) => values(n, seed + k, scale, special));
  const mine = {
    params: make(1, 1, true),
    m: make(40, 0.01, true),
    v: make(80, 0.01, false).map((x) => x.map(Math.abs)),
  };
  const vars = {
    params: mine.params.map((x) => tf.variable(tf.tensor(x))),
    m: mine.m.map((x) => tf.variable(tf.tensor(x))),
    v: mine.v.map((x) => tf.variable(tf.tensor(x))),
  };
  for (let s = 0; s < CONTROLS.length; s++) {
    const gradArrays = make(1000 * (s + 1), 0.5, true);
    const control = new Float32Array(CONTROLS[s]);
    const args = { stepSize: 1e-2 * (s + 1), eps: 1e-8 / (s + 1), beta1: ADAM_BETA1, beta2: ADAM_BETA2 };
    const grads = gradArrays.map((g) => tf.tensor(g));
    const controlTensor = tf.tensor1d(control);
    const adamArgs = { variables: vars.params, grads, m: vars.m, v: vars.v, control: controlTensor, ...args };
    await withKernelMode('fused', () => {
      expect(denseAdamKernel()).toBe('wasm');
      applyDenseAdam(adamArgs);
    });
    denseAdamLoop({ ...mine, grads: gradArrays, control }, adamArgs);
    tf.dispose([...grads, controlTensor]);
    for (const [name, list] of Object.entries(vars)) {
      const got = await Promise.all(list.map((x) => x.data() as Promise<Float32Array>));
      got.forEach((g, k) => {
        const want = mine[name as keyof typeof mine][k];
        const [a, b] = [bits(g), bits(want)];
        const at = a.findIndex((x, i) => x !== b[i]);
        if (at >= 0)
          throw new Error(
            `step ${s + 1}, ${name} of length ${want.length}, [${at}]: wasm ${g[at]}, loop ${want[at]}`,
          );
      });
    }
  }
  tf.dispose([...vars.params, ...vars.m, ...vars.v]);
}
