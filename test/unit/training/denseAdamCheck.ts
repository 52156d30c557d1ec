import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import { applyDenseAdam, denseAdamKernel } from '../../../src/model/ops/denseAdam';
import { withKernelMode } from '../../../src/model/ops/kernelMode';
import { ADAM_BETA1, ADAM_BETA2 } from '../../../src/model/training/adam';

/**
 * Fused dense Adam against the tfjs-op reference on the current backend: two identical sets of
 * variables and moments, the same gradients and controls, one set updated by each path.
 */

/** Shapes with sizes that are and are not multiples of a workgroup, a scalar and a large one. */
const SHAPES: number[][] = [[3], [5, 7], [64], [2, 3, 4], [], [130, 70]];

/** Deterministic pseudo-random floats in [-scale, scale). */
function floats(n: number, seed: number, scale: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = ((s / 2 ** 32) * 2 - 1) * scale;
  }
  return out;
}

interface AdamSet {
  params: tf.Variable[];
  m: tf.Variable[];
  v: tf.Variable[];
}

function makeSet(): AdamSet {
  const make = (seed: number, scale: number) =>
    SHAPES.map((shape, k) =>
      tf.variable(tf.tensor(floats(tf.util.sizeFromShape(shape), seed + k, scale), shape)),
    );
  // Non-zero moments (v ≥ 0) so that the first step already exercises every term.
  return { params: make(1, 1), m: make(100, 0.01), v: make(200, 0.01).map((x) => tf.variable(tf.abs(x))) };
}

/** One step per entry: [gradScale, apply]; the gradients of step s are seeded by s. */
export const STEPS: [number, number][] = [
  [1, 1],
  [0.25, 1], // clipping active
  [1, 0], // a skipped step
  [0.5, 1],
  [1, 1],
];

function gradsOf(step: number, poison: boolean): tf.Tensor[] {
  return SHAPES.map((shape, k) => {
    const g = floats(tf.util.sizeFromShape(shape), 1000 * (step + 1) + k, 0.5);
    if (poison && g.length > 0) g[g.length >> 1] = Number.NaN;
    return tf.tensor(g, shape);
  });
}

function run(set: AdamSet, stepIndex: number): void {
  const [scale, apply] = STEPS[stepIndex];
  const grads = gradsOf(stepIndex, apply === 0);
  const control = tf.tensor1d([scale, apply]);
  const t = stepIndex + 1;
  const c1 = 1 - ADAM_BETA1 ** t;
  const c2 = 1 - ADAM_BETA2 ** t;
  applyDenseAdam({
    variables: set.params,
    grads,
    m: set.m,
    v: set.v,
    control,
    stepSize: (1e-2 * Math.sqrt(c2)) / c1,
    eps: 1e-8 * Math.sqrt(c2),
    beta1: ADAM_BETA1,
    beta2: ADAM_BETA2,
  });
  tf.dispose([...grads, control]);
}

async function read(set: AdamSet): Promise<Float32Array[]> {
  return Promise.all([...set.params, ...set.m, ...set.v].map(async (x) => (await x.data()) as Float32Array));
}

/**
 * Runs STEPS on both paths and compares after every step; a skipped step must leave the fused
 * set bit for bit as it was. `kernel` is the fused kernel expected on this backend.
 */
export async function checkFusedAgainstReference(kernel: string, relTolerance: number): Promise<void> {
  const fused = makeSet();
  const reference = makeSet();
  for (let s = 0; s < STEPS.length; s++) {
    const before = await read(fused);
    await withKernelMode('fused', () => {
      expect(denseAdamKernel()).toBe(kernel);
      run(fused, s);
    });
    await withKernelMode('reference', () => {
      expect(denseAdamKernel()).toBe('reference');
      run(reference, s);
    });
    const [a, b] = await Promise.all([read(fused), read(reference)]);
    if (STEPS[s][1] === 0) expect(a).toEqual(before);
    a.forEach((got, k) => {
      const want = b[k];
      expect(got.length).toBe(want.length);
      for (let i = 0; i < got.length; i++) {
        const tol = relTolerance * Math.max(Math.abs(want[i]), 1e-3);
        if (!(Math.abs(got[i] - want[i]) <= tol))
          throw new Error(`step ${s + 1}, tensor ${k}, [${i}]: fused ${got[i]}, reference ${want[i]}`);
      }
    });
  }
  tf.dispose([...fused.params, ...fused.m, ...fused.v, ...reference.params, ...reference.m, ...reference.v]);
}
