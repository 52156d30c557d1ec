import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { RandomStream } from '../../../src/model/memory/random';
import { BIAS_GRAD } from '../../../src/model/ops/biasGradKernels';
import { withKernelMode } from '../../../src/model/ops/kernelMode';
import { fusedBiasGradAvailable, linearRows, linearRowsReference } from '../../../src/model/ops/linear';
import { runOnNodeWebgpu } from '../nodeWebgpu';
import { kernelsOf } from './layerNormCases';

runOnNodeWebgpu();

const randoms = (n: number, seed: number, scale: number) =>
  new RandomStream(seed, 1, n).fillUniform(new Float32Array(n), scale);

/** Σ over rows of dy in float64: the exact column sums. */
function exactColumnSums(dy: Float32Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c] += dy[r * cols + c];
  return out;
}

describe('the fused bias gradient on WebGPU (Dawn in Node)', () => {
  it('the kernel alone: within float32 rounding of the exact column sums, and of tf.sum', async () => {
    expect(await withKernelMode('fused', fusedBiasGradAvailable)).toBe(true);
    // The default model's widths, odd ones, one row, and more columns than a workgroup.
    for (const [rows, cols] of [
      [512, 64],
      [512, 192],
      [7, 6],
      [1, 1],
      [33, 130],
    ]) {
      const values = randoms(rows * cols, rows + cols, 1);
      const dy = tf.tensor2d(values, [rows, cols]);
      const fused = tf.engine().runKernel(BIAS_GRAD, { dy }) as tf.Tensor;
      const summed = tf.sum(dy, 0);
      const [got, reference] = (await Promise.all([fused.data(), summed.data()])) as Float32Array[];
      tf.dispose([dy, fused, summed]);
      expect(got).toHaveLength(cols);
      const exact = exactColumnSums(values, rows, cols);
      // A float32 sum of `rows` terms in (−1, 1) is within rows·ε of the exact sum; both orders are.
      for (let c = 0; c < cols; c++) {
        expect(Math.abs(got[c] - exact[c])).toBeLessThanOrEqual(rows * 1.2e-7);
        expect(Math.abs(got[c] - reference[c])).toBeLessThanOrEqual(2 * rows * 1.2e-7);
      }
    }
  });

  it('a linear layer: one fused matMul forward, dx and dW as the reference, y and db to float32 rounding; PkmBiasGrad instead of Sum', async () => {
    const [rows, inDim, outDim] = [512, 64, 192];
    const x = tf.tensor2d(randoms(rows * inDim, 1, 1), [rows, inDim]);
    const w = tf.tensor2d(randoms(inDim * outDim, 2, 0.5), [inDim, outDim]);
    const b = tf.tensor1d(randoms(outDim, 3, 0.1));
    const dy = tf.tensor2d(randoms(rows * outDim, 4, 1), [rows, outDim]);
    const grads = (op: typeof linearRows) => () =>
      tf.grads((a, c, d) => op(a as tf.Tensor2D, c as tf.Tensor2D, d as tf.Tensor1D))([x, w, b], dy);
    const values = async (ts: tf.Tensor[]) => {
      const out = (await Promise.all(ts.map((t) => t.data()))) as Float32Array[];
      tf.dispose(ts);
      return out;
    };
    const fusedKernels = await withKernelMode('fused', () => kernelsOf(grads(linearRows)));
    expect(fusedKernels).toContain(BIAS_GRAD);
    expect(fusedKernels).not.toContain('Sum');
    // The forward is one fused matMul with the bias: no broadcast Add.
    const forward = await withKernelMode('fused', () => kernelsOf(() => linearRows(x, w, b)));
    expect(forward).toEqual(['_FusedMatMul']);
    const [yF, yR] = await values([
      await withKernelMode('fused', () => linearRows(x, w, b)),
      linearRowsReference(x, w, b),
    ]);
    const scale = Math.max(...yR.map(Math.abs));
    for (let i = 0; i < yR.length; i++) expect(Math.abs(yF[i] - yR[i])).toBeLessThanOrEqual(1e-6 * scale);
    const [dxF, dwF, dbF] = await values(await withKernelMode('fused', () => tf.tidy(grads(linearRows))));
    const [dxR, dwR, dbR] = await values(tf.tidy(grads(linearRowsReference)));
    expect(dxF).toEqual(dxR);
    expect(dwF).toEqual(dwR);
    for (let c = 0; c < outDim; c++) expect(Math.abs(dbF[c] - dbR[c])).toBeLessThanOrEqual(2 * rows * 1.2e-7);
    expect(dbF.some((v) => v !== 0)).toBe(true);
    tf.dispose([x, w, b, dy]);
  });

  it('no tensor leaks over repeated gradient calls', async () => {
    const dy = tf.tensor2d(randoms(6 * 5, 7, 1), [6, 5]);
    const run = () => tf.dispose(tf.engine().runKernel(BIAS_GRAD, { dy }) as tf.Tensor);
    run();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 4; i++) run();
    expect(tf.memory().numTensors).toBe(before);
    dy.dispose();
  });
});
