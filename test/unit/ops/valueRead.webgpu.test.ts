import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { runOnNodeWebgpu } from '../nodeWebgpu';
import { checkCase, checkFiniteDifferences, checkNoLeaks } from './valueReadCases';

runOnNodeWebgpu();

describe('fused memory read on WebGPU (Dawn in Node)', () => {
  it.each([
    [{ rows: 37, heads: 2, knn: 8, vDim: 64, tableRows: 300 }],
    [{ rows: 9, heads: 3, knn: 5, vDim: 7, tableRows: 4 }],
    [{ rows: 50, heads: 2, knn: 4, vDim: 16, tableRows: 10, hot: true }],
    [{ rows: 6, heads: 1, knn: 4, vDim: 5, tableRows: 8, outside: [1, 6, 23] }],
  ])('%o: fused = float64 brute force = reference', async (c) => {
    expect(tf.getBackend()).toBe('webgpu');
    await checkCase(c, 11);
  });

  it('a row gradient of 4.3M elements (over 65,535 workgroups of 64 threads) is right', async () => {
    await checkCase({ rows: 4200, heads: 2, knn: 8, vDim: 64, tableRows: 1000 }, 2);
  }, 120_000);

  it('weights gradient matches central differences; no tensors left behind', async () => {
    await checkFiniteDifferences({ rows: 5, heads: 2, knn: 3, vDim: 6, tableRows: 20 }, 3);
    await checkNoLeaks({ rows: 8, heads: 2, knn: 4, vDim: 8, tableRows: 64 });
  });
});
