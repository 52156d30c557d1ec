/** Shared helpers of the layout tests: run an imported memory over inputs, compare with a reference. */
import { expect } from 'vitest';
import { startWasmBackend } from '../../../src/cli/tfBackend';
import { readImportedMemory } from '../../../src/model/io/layouts/reads';
import type { ImportedMemory } from '../../../src/model/io/layouts/types';
import type { Reads } from './torchModules';

export async function readAll(
  memory: ImportedMemory,
  inputs: Float32Array,
  count: number,
  chunk = 7,
): Promise<Reads> {
  await startWasmBackend();
  const { heads, knn } = memory.spec;
  const out: Reads = {
    indices: [],
    scores: [],
    weights: [],
    output: memory.outputWidth === null ? null : [],
  };
  for await (const c of readImportedMemory(memory, inputs, count, { chunk })) {
    for (let b = 0; b < c.rows; b++) {
      const pick = (a: ArrayLike<number>) =>
        Array.from({ length: heads }, (_, h) =>
          Array.from({ length: knn }, (_, m) => a[(b * heads + h) * knn + m]),
        );
      out.indices.push(pick(c.slots));
      out.scores.push(pick(c.scores));
      out.weights.push(pick(c.weights));
      if (out.output && c.output) {
        const w = memory.outputWidth!;
        out.output.push(Array.from(c.output.subarray(b * w, (b + 1) * w)));
      }
    }
  }
  return out;
}

export function expectClose(got: number[], want: number[], digits = 4) {
  expect(got).toHaveLength(want.length);
  for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i], digits);
}

/** Same slots, and scores, weights and outputs within float32 rounding of the reference. */
export function expectSameReads(got: Reads, want: Reads) {
  expect(got.indices).toEqual(want.indices);
  expectClose(got.scores.flat(2), want.scores.flat(2));
  expectClose(got.weights.flat(2), want.weights.flat(2));
  if (want.output === null) expect(got.output).toBeNull();
  else expectClose(got.output!.flat(), want.output.flat());
}

export function inputsFor(count: number, dim: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  return Float32Array.from({ length: count * dim }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32) * 4 - 2;
  });
}
