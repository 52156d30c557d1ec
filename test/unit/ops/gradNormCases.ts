import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import { sumOfSquares, sumOfSquaresReference } from '../../../src/model/ops/gradNorm';
import { SUM_SQUARES } from '../../../src/model/ops/gradNormKernels';
import { type KernelMode, withKernelMode } from '../../../src/model/ops/kernelMode';
import { uniformValues } from './geluCases';

/**
 * Checks shared by the fused sum-of-squares tests on cpu, wasm (gradNorm.test.ts) and WebGPU
 * (gradNorm.webgpu.test.ts): each runs on whatever backend is active.
 */

const SHAPES: number[][] = [[1], [3, 5], [2, 3, 4], [7], [16, 16], [1, 1], [5, 1, 3, 2], [33]];

/**
 * `count` tensors of mixed shapes (sizes 1 to a few hundred; with `large`, one of 1,048,583
 * elements, the second) and values of mixed magnitudes, as plain arrays with their shapes.
 */
export function tensorList(count: number, large = false): { values: Float32Array; shape: number[] }[] {
  return Array.from({ length: count }, (_, k) => {
    const shape = large && k === 1 ? [1024, 1024 + 7] : SHAPES[k % SHAPES.length];
    const size = shape.reduce((a, b) => a * b, 1);
    const magnitude = 10 ** ((k % 5) - 2);
    return { values: uniformValues(size, -magnitude, magnitude, 17 + k), shape };
  });
}

/** Σ x² in float64, for a precision check independent of both float32 paths. */
export function exactSum(list: { values: Float32Array }[]): number {
  let sum = 0;
  for (const { values } of list) for (const v of values) sum += v * v;
  return sum;
}

export interface SumRun {
  value: number;
  kernels: string[];
}

/** sumOfSquares (or the reference) of the list in one kernel mode, with the kernels it ran. */
export async function runSum(
  mode: KernelMode,
  list: { values: Float32Array; shape: number[] }[],
  op: (ts: tf.Tensor[]) => tf.Scalar = sumOfSquares,
): Promise<SumRun> {
  const tensors = list.map(({ values, shape }) => tf.tensor(values, shape));
  return withKernelMode(mode, async () => {
    let out: tf.Scalar | null = null;
    const profile = await tf.profile(() => {
      out = op(tensors);
      return out;
    });
    const value = (await out!.data())[0];
    tf.dispose([out!, ...tensors]);
    return { value, kernels: profile.kernelNames.filter((k) => !['Reshape', 'Identity'].includes(k)) };
  });
}

/** The fused op ran its one kernel, the reference did not. */
export function expectKernels(fused: SumRun, reference: SumRun): void {
  expect(fused.kernels).toEqual([SUM_SQUARES]);
  expect(reference.kernels).not.toContain(SUM_SQUARES);
  expect(reference.kernels).toContain('Square');
}

/** A NaN or ±Inf in any one tensor (the last of 13 here, or a middle one) makes the sum non-finite. */
export async function expectNonFinite(position: number, count: number): Promise<void> {
  const cases: [number[], number][] = [
    [[Number.NaN], Number.NaN],
    [[Number.POSITIVE_INFINITY], Number.POSITIVE_INFINITY],
    [[Number.NEGATIVE_INFINITY], Number.POSITIVE_INFINITY],
    [[Number.NEGATIVE_INFINITY, Number.NaN], Number.NaN],
  ];
  for (const [bad, want] of cases) {
    const list = tensorList(count);
    const target = list[position].values;
    bad.forEach((v, i) => {
      target[(i * 7) % target.length] = v;
    });
    for (const mode of ['fused', 'reference'] as const) {
      const { value } = await runSum(mode, list);
      expect(value, `${mode} with ${bad}`).toBe(want);
    }
  }
}

/** Finite squares that overflow float32 (1e20² = 1e40) give +Inf, as the reference's. */
export async function expectOverflow(): Promise<void> {
  const list = tensorList(3);
  list[2].values[0] = 1e20;
  expect((await runSum('fused', list)).value).toBe(Number.POSITIVE_INFINITY);
  expect((await runSum('reference', list)).value).toBe(Number.POSITIVE_INFINITY);
}

/** An empty list is 0 in both modes; an empty tensor in a list adds nothing. */
export async function expectEmpty(): Promise<void> {
  expect((await runSum('fused', [])).value).toBe(0);
  expect((await runSum('reference', [])).value).toBe(0);
  const list = [...tensorList(2), { values: new Float32Array(0), shape: [0, 3] }];
  const fused = await runSum('fused', list);
  expect(fused.value).toBe((await runSum('fused', tensorList(2))).value);
}

/** Repeated fused calls leave no tensor behind. */
export async function expectNoLeak(): Promise<void> {
  const tensors = tensorList(13).map(({ values, shape }) => tf.tensor(values, shape));
  const once = () => tf.dispose(sumOfSquares(tensors));
  once();
  const before = tf.memory().numTensors;
  for (let i = 0; i < 5; i++) once();
  tf.dispose(sumOfSquares([]));
  expect(tf.memory().numTensors).toBe(before);
  tf.dispose(tensors);
}

export { sumOfSquaresReference };
