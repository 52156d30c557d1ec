import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { withKernelMode } from '../../../src/model/ops/kernelMode';
import { fusedValueReadAvailable } from '../../../src/model/ops/valueRead';
import { checkCase, checkFiniteDifferences, checkNoLeaks, type ReadCase } from './valueReadCases';

const CASES: [string, ReadCase][] = [
  ['one row, one entry', { rows: 1, heads: 1, knn: 1, vDim: 1, tableRows: 1 }],
  ['heads 2, knn 8, v_dim 64 (the default memory)', { rows: 37, heads: 2, knn: 8, vDim: 64, tableRows: 300 }],
  ['duplicate slots within a row', { rows: 9, heads: 3, knn: 5, vDim: 7, tableRows: 4 }],
  ['every entry reads the same slot', { rows: 50, heads: 2, knn: 4, vDim: 16, tableRows: 10, hot: true }],
  [
    'slots outside the table read zero rows',
    { rows: 6, heads: 1, knn: 4, vDim: 5, tableRows: 8, outside: [1, 6, 23] },
  ],
];

describe.each(['cpu', 'wasm'])('fused memory read on %s', (backend) => {
  it.each(CASES)('%s: fused = float64 brute force = reference, output and gradients', async (_, c) => {
    await tf.setBackend(backend);
    await checkCase(c, 11);
  });

  it('weights gradient matches central differences', async () => {
    await tf.setBackend(backend);
    await checkFiniteDifferences({ rows: 5, heads: 2, knn: 3, vDim: 6, tableRows: 20 }, 3);
  });

  it('leaves no tensors behind, and reference mode does not offer the fused op', async () => {
    await tf.setBackend(backend);
    await checkNoLeaks({ rows: 8, heads: 2, knn: 4, vDim: 8, tableRows: 64 });
    expect(await withKernelMode('reference', () => fusedValueReadAvailable())).toBe(false);
  });
});
