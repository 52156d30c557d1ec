import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { RandomStream } from '../../../src/model/memory/random';
import { fusedCrossEntropyAvailable } from '../../../src/model/ops/crossEntropy';
import { CROSS_ENTROPY, CROSS_ENTROPY_GRAD } from '../../../src/model/ops/crossEntropyKernels';
import { withKernelMode } from '../../../src/model/ops/kernelMode';
import { runOnNodeWebgpu } from '../nodeWebgpu';
import {
  type Case,
  expectFusedMatches,
  expectKernelCounts,
  expectNonFiniteLoss,
  expectOutOfRangeLikeReference,
  expectSameResult,
  finiteDifferenceErrors,
  largeLogitsCase,
  randomCase,
  type Tolerance,
  tensorCountDrift,
} from './crossEntropyCases';
import { onBackend } from './onBackend';

runOnNodeWebgpu();

/**
 * WebGPU against float64: each row's Σ exp runs in float32 (blocks of 16 columns, then the
 * blocks), WGSL's exp and log are allowed a few ulps (log 2^−21 absolute near 1), and the mean
 * sums float32 in blocks of 64 rows. Measured worst here: loss 9e−8, gradient 3.9e−7 of dy/N
 * (with one running sum per row instead of blocks the gradient was 2e−6 off).
 */
const WEBGPU_TOLERANCE: Tolerance = { loss: 5e-7, grad: 1e-6 };
/** The reference on WebGPU is within 3.4e−7 of float64 itself: the sum of both errors, rounded up. */
const WEBGPU_REFERENCE_TOLERANCE: Tolerance = { loss: 1e-6, grad: 2e-6 };

describe('fused cross-entropy on WebGPU (Dawn in Node)', () => {
  it.each([
    [1, 2],
    [3, 5],
    [17, 256],
    [64, 259],
    [512, 256],
  ])('N = %i, V = %i: loss and gradient = reference = float64 brute force', async (rows, cols) => {
    await onBackend('webgpu');
    await expectFusedMatches(
      randomCase(rows, cols, rows + cols),
      WEBGPU_TOLERANCE,
      WEBGPU_REFERENCE_TOLERANCE,
    );
  });

  it('stays exact at logits of ±80 and ±1e4 (the row max is subtracted)', async () => {
    await onBackend('webgpu');
    await expectFusedMatches(largeLogitsCase(), WEBGPU_TOLERANCE, WEBGPU_REFERENCE_TOLERANCE);
  });

  it('targets outside 0..V−1 select nothing, as the reference: the row adds 0 and gets a zero gradient', async () => {
    await onBackend('webgpu');
    await expectOutOfRangeLikeReference(WEBGPU_TOLERANCE, WEBGPU_REFERENCE_TOLERANCE);
  });

  it('a NaN or ±Inf logit makes the loss non-finite', async () => {
    await onBackend('webgpu');
    await expectNonFiniteLoss();
  });

  it('the gradient matches central finite differences of the fused loss', async () => {
    await onBackend('webgpu');
    expect(await finiteDifferenceErrors(randomCase(3, 7, 8, 2))).toBe(0);
  });

  it('more than 65,535 workgroups: every row and gradient entry checked against wasm', async () => {
    // One thread per row in workgroups of 64: 4,200,000 rows need 65,625 workgroups, and the
    // gradient's one thread per element 131,250: tfjs folds both dispatches into 2D. The mean is
    // one thread looping over all rows.
    const rows = 4_200_000;
    const cols = 2;
    const rng = new RandomStream(31, 2);
    const c: Case = {
      rows,
      cols,
      logits: rng.fillUniform(new Float32Array(rows * cols), 6),
      targets: Int32Array.from({ length: rows }, (_, r) => (r % 7 === 0 ? r % 3 : r % 2)),
      dy: 1.7,
    };
    const kernels = async () => {
      const logits = tf.tensor2d(c.logits, [rows, cols]);
      const targets = tf.tensor1d(c.targets, 'int32');
      const dy = tf.scalar(c.dy);
      const [loss, stats] = tf.engine().runKernel(CROSS_ENTROPY, { logits, targets }) as tf.Tensor[];
      const grad = tf.engine().runKernel(CROSS_ENTROPY_GRAD, { dy, logits, targets, stats }) as tf.Tensor;
      const [l, s, g] = (await Promise.all([loss, stats, grad].map((t) => t.data()))) as Float32Array[];
      tf.dispose([logits, targets, dy, loss, stats, grad]);
      return { loss: l[0], stats: s, grad: g };
    };
    await onBackend('wasm');
    const want = await kernels();
    await onBackend('webgpu');
    const got = await kernels();
    // Every seventh row's target is out of range (2) or in it; the stats are per row.
    let worstStat = 0;
    for (let i = 0; i < got.stats.length; i++) {
      worstStat = Math.max(worstStat, Math.abs(got.stats[i] - want.stats[i]));
    }
    expect(worstStat).toBeLessThan(1e-6);
    // The mean adds 65,625 blocks of 64 rows in float32: ~√65,625 rounding steps of ulp(~3e6)/2
    // ≈ 0.1 each, 1e−5 of the sum.
    expectSameResult(got, want, c, { loss: 1e-4, grad: 2e-6 }, 'webgpu vs wasm');
  }, 180_000);

  it('no tensor leaks over repeated forward and gradient calls', async () => {
    await onBackend('webgpu');
    expect(await tensorCountDrift()).toBe(0);
  });

  it("'fused' runs one kernel forward and one backward; 'reference' runs the plain ops", async () => {
    await onBackend('webgpu');
    expect(await withKernelMode('fused', fusedCrossEntropyAvailable)).toBe(true);
    await expectKernelCounts();
  });
});
