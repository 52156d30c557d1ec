import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import { RandomStream } from '../../../src/model/memory/random';
import { withKernelMode } from '../../../src/model/ops/kernelMode';
import { fusedValueReadAvailable, valueRead } from '../../../src/model/ops/valueRead';
import { VALUE_READ, VALUE_READ_GRAD } from '../../../src/model/ops/valueReadKernels';

/**
 * Cases of the fused memory read shared by the cpu/wasm and WebGPU test files: the op in both
 * kernel modes against an independent float64 computation over plain arrays.
 */

export interface ReadCase {
  rows: number;
  heads: number;
  knn: number;
  vDim: number;
  tableRows: number;
  /** Every entry reads slot 0 (a hot slot read many times over). */
  hot?: boolean;
  /** Entries set to slots outside the table (read as zero rows). */
  outside?: number[];
}

export interface CaseData {
  values: Float32Array;
  slots: Int32Array;
  weights: Float32Array;
  dy: Float32Array;
}

export function caseData(c: ReadCase, seed: number): CaseData {
  const rng = new RandomStream(seed);
  const entries = c.rows * c.heads * c.knn;
  const values = Float32Array.from({ length: c.tableRows * c.vDim }, () => rng.next() * 2 - 1);
  const slots = Int32Array.from({ length: entries }, () =>
    c.hot ? 0 : Math.floor(rng.next() * c.tableRows),
  );
  for (const at of c.outside ?? []) slots[at] = at % 2 ? -1 : c.tableRows;
  const weights = Float32Array.from({ length: entries }, () => rng.next());
  const dy = Float32Array.from({ length: c.rows * c.vDim }, () => rng.next() * 2 - 1);
  return { values, slots, weights, dy };
}

/** out, dWeights and dRows of loss = Σ out·dy, in float64 loops (slots outside the table read zeros). */
export function bruteForce(c: ReadCase, d: CaseData) {
  const perRow = c.heads * c.knn;
  const out = new Float64Array(c.rows * c.vDim);
  const dWeights = new Float64Array(c.rows * perRow);
  const dRows = new Float64Array(c.rows * perRow * c.vDim);
  for (let n = 0; n < c.rows; n++) {
    for (let j = n * perRow; j < (n + 1) * perRow; j++) {
      const slot = d.slots[j];
      const inside = slot >= 0 && slot < c.tableRows;
      for (let col = 0; col < c.vDim; col++) {
        const value = inside ? d.values[slot * c.vDim + col] : 0;
        out[n * c.vDim + col] += d.weights[j] * value;
        dWeights[j] += d.dy[n * c.vDim + col] * value;
        dRows[j * c.vDim + col] = d.weights[j] * d.dy[n * c.vDim + col];
      }
    }
  }
  return { out, dWeights, dRows };
}

export interface ReadResult {
  out: Float32Array;
  dWeights: Float32Array;
  dRows: Float32Array;
  kernels: string[];
}

/** Runs the module's read (`valueRead`) with a probe in `mode`; returns output, gradients, kernels. */
export async function readIn(mode: 'fused' | 'reference', c: ReadCase, d: CaseData): Promise<ReadResult> {
  return withKernelMode(mode, async () => {
    const shape: [number, number, number] = [c.rows, c.heads, c.knn];
    const values = tf.tensor2d(d.values, [c.tableRows, c.vDim]);
    const slots = tf.tensor3d(d.slots, shape, 'int32');
    const weights = tf.tidy(() => tf.variable(tf.tensor3d(d.weights, shape)));
    const probe = tf.tidy(() => tf.variable(tf.zeros([...shape, c.vDim])));
    const dy = tf.tensor2d(d.dy, [c.rows, c.vDim]);
    const kernels: string[] = [];
    const engine = tf.engine() as unknown as { runKernel(name: string, ...rest: unknown[]): unknown };
    const original = engine.runKernel;
    engine.runKernel = function (name: string, ...rest: unknown[]) {
      kernels.push(name);
      return original.call(this, name, ...rest);
    };
    try {
      let out!: tf.Tensor;
      const { value, grads } = tf.variableGrads(() => {
        out = tf.keep(valueRead(values, slots, weights as tf.Tensor3D, probe));
        return tf.sum(tf.mul(out, dy)) as tf.Scalar;
      }, [weights, probe]);
      const read = async (t: tf.Tensor) => (await t.data()) as Float32Array;
      const result = {
        out: await read(out),
        dWeights: await read(grads[weights.name]),
        dRows: await read(grads[probe.name]),
        kernels,
      };
      tf.dispose([value, out, ...Object.values(grads)]);
      return result;
    } finally {
      engine.runKernel = original;
      tf.dispose([values, slots, weights, probe, dy]);
    }
  });
}

export function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tolerance: number): void {
  expect(got.length).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
  expect(worst).toBeLessThanOrEqual(tolerance);
}

/**
 * Fused and reference against the float64 computation. Tolerance: sums of up to heads·knn (or
 * v_dim) float32 products of values in [−1, 1], rounded once per add: well under 1e-5 here.
 */
export async function checkCase(c: ReadCase, seed: number): Promise<void> {
  const d = caseData(c, seed);
  const want = bruteForce(c, d);
  expect(fusedValueReadAvailable()).toBe(true);
  const fused = await readIn('fused', c, d);
  expect(fused.kernels).toContain(VALUE_READ);
  expect(fused.kernels).toContain(VALUE_READ_GRAD);
  const tolerance = 2e-6 * Math.max(c.heads * c.knn, c.vDim);
  expectClose(fused.out, want.out, tolerance);
  expectClose(fused.dWeights, want.dWeights, tolerance);
  expectClose(fused.dRows, want.dRows, 1e-6);
  if (c.outside) return; // the reference's gather has no defined result outside the table
  const reference = await readIn('reference', c, d);
  expect(reference.kernels).not.toContain(VALUE_READ);
  expectClose(reference.out, want.out, tolerance);
  expectClose(fused.out, reference.out, 2 * tolerance);
  expectClose(fused.dWeights, reference.dWeights, 2 * tolerance);
  expectClose(fused.dRows, reference.dRows, 1e-6);
}

/**
 * The weights' gradient of the fused op against central differences of its own output (loss
 * linear in the weights, so the difference is exact up to float32 rounding of the loss).
 */
export async function checkFiniteDifferences(c: ReadCase, seed: number): Promise<void> {
  const d = caseData(c, seed);
  const fused = await readIn('fused', c, d);
  const loss = async (weights: Float32Array) => {
    const r = await readIn('fused', c, { ...d, weights });
    let s = 0;
    for (let i = 0; i < r.out.length; i++) s += r.out[i] * d.dy[i];
    return s;
  };
  const eps = 1e-2;
  for (const j of [0, 3, d.weights.length - 1]) {
    const up = d.weights.slice();
    const down = d.weights.slice();
    up[j] += eps;
    down[j] -= eps;
    const numeric = ((await loss(up)) - (await loss(down))) / (2 * eps);
    expect(Math.abs(numeric - fused.dWeights[j])).toBeLessThan(1e-3);
  }
}

/** Repeated fused reads with gradients leave no tensor behind. */
export async function checkNoLeaks(c: ReadCase): Promise<void> {
  const d = caseData(c, 5);
  await readIn('fused', c, d);
  const before = tf.memory().numTensors;
  for (let i = 0; i < 5; i++) await readIn('fused', c, d);
  expect(tf.memory().numTensors).toBe(before);
}
