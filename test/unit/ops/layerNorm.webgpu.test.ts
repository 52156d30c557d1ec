import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { RandomStream } from '../../../src/model/memory/random';
import { withKernelMode } from '../../../src/model/ops/kernelMode';
import { fusedLayerNormAvailable } from '../../../src/model/ops/layerNorm';
import { LAYER_NORM, LAYER_NORM_GRAD } from '../../../src/model/ops/layerNormKernels';
import { runOnNodeWebgpu } from '../nodeWebgpu';
import {
  constantRowsCase,
  constantRowsError,
  EPS,
  expectClose,
  expectSameResult,
  finiteDifferenceErrors,
  fusedOp,
  kernelsInMode,
  randomCase,
  referenceOp,
  run,
  SHAPES,
  tensorCountDrift,
} from './layerNormCases';
import { onBackend } from './onBackend';

runOnNodeWebgpu();

describe('fused LayerNorm on WebGPU (Dawn in Node)', () => {
  it.each(SHAPES.map((s) => [s.join(', '), s] as const))(
    'x [%s]: forward and gradients = reference and = wasm to float32 tolerance',
    async (_, shape) => {
      const c = randomCase(shape, 3);
      await onBackend('wasm');
      const wasm = await run(fusedOp, c);
      await onBackend('webgpu');
      const fused = await run(fusedOp, c);
      const reference = await run(referenceOp, c);
      // Both sum in float32 on the GPU, in different orders: the same tolerances as on cpu.
      expectSameResult(fused, reference);
      expectSameResult(fused, wasm);
    },
  );

  it('constant rows (variance 0): y ≈ beta, gradients finite and close to the reference', async () => {
    await onBackend('webgpu');
    for (const d of [3, 64, 130]) {
      const c = constantRowsCase(d);
      const fused = await run(fusedOp, c);
      const reference = await run(referenceOp, c);
      // A float32 mean (and WGSL's 2.5-ulp division) may miss a constant row's value by an ulp,
      // which rstd ≈ 316 scales to ~1e-4 of gamma: 1e-3 as for the reference on cpu.
      expect(constantRowsError(c, fused.y)).toBeLessThan(1e-3);
      expectSameResult(fused, reference, 1e-3, 1e-3);
    }
  });

  it('gradients match central finite differences of the fused forward (rank 2 and 3)', async () => {
    await onBackend('webgpu');
    expect(await finiteDifferenceErrors(randomCase([3, 6], 8))).toBe(0);
    expect(await finiteDifferenceErrors(randomCase([2, 2, 5], 9))).toBe(0);
  });

  it('more than 65,535 workgroups: every row checked against wasm', async () => {
    // One thread per row in workgroups of 64: 4,200,000 rows need 65,625 workgroups, which tfjs
    // folds into a 2D dispatch; dgamma and dbeta loop over all rows in one thread per column.
    const shape = [4_200_000, 2];
    const rng = new RandomStream(21, 3);
    const size = shape[0] * shape[1];
    const c = {
      shape,
      // Rows [u, u + 0.2 + v]: a spread ≥ 0.2 keeps rstd ≤ 10, so y is well conditioned.
      x: new Float32Array(size).map((_, i) => (i % 2 === 0 ? 4 * rng.next() - 2 : 0)),
      gamma: Float32Array.from([0.5, 1.5]),
      beta: Float32Array.from([0.25, -0.5]),
      dy: rng.fillUniform(new Float32Array(size), 1),
    };
    for (let i = 1; i < size; i += 2) c.x[i] = c.x[i - 1] + 0.2 + rng.next();
    const kernels = async () => {
      const [x, gamma, beta, dy] = [c.x, c.gamma, c.beta, c.dy].map((v, i) =>
        i === 1 || i === 2 ? tf.tensor1d(v) : tf.tensor(v, shape),
      );
      const y = tf.engine().runKernel(LAYER_NORM, { x, gamma, beta }, { eps: EPS }) as tf.Tensor;
      const grads = tf.engine().runKernel(LAYER_NORM_GRAD, { x, gamma, dy }, { eps: EPS }) as tf.Tensor[];
      const out = (await Promise.all([y, ...grads].map((t) => t.data()))) as Float32Array[];
      tf.dispose([x, gamma, beta, dy, y, ...grads]);
      return out;
    };
    await onBackend('wasm');
    const want = await kernels();
    await onBackend('webgpu');
    const got = await kernels();
    // y: float32 vs float64 sums of 2 terms. With d = 2, dx is a near-total cancellation of terms
    // of size rstd·|g| ≲ 15 (exactly, dx ∝ eps): a few float32 ulps of those, ~1e-5 on scale 1.
    // dgamma and dbeta sum 4.2M random-signed rows one after another in float32: partial sums of
    // size ~√N lose ~ulp each, ~√N·ε ≈ 2e-4 in all.
    expectClose(got[0], want[0], 2e-6, 'y');
    expectClose(got[1], want[1], 1e-4, 'dx');
    expectClose(got[2], want[2], 1e-3, 'dgamma');
    expectClose(got[3], want[3], 1e-3, 'dbeta');
  }, 120_000);

  it('no tensor leaks over repeated forward and gradient calls', async () => {
    await onBackend('webgpu');
    expect(await tensorCountDrift()).toBe(0);
  });

  it("'fused' runs one kernel forward and one backward; 'reference' runs the plain ops", async () => {
    await onBackend('webgpu');
    await withKernelMode('fused', () => expect(fusedLayerNormAvailable()).toBe(true));
    const fused = await kernelsInMode('fused');
    expect(fused.forward).toEqual(['PkmLayerNorm']);
    expect(fused.grad).toEqual(['PkmLayerNorm', 'PkmLayerNormGrad']);
    const reference = await kernelsInMode('reference');
    expect(reference.forward).toContain('Rsqrt');
    expect(reference.grad.some((n) => n.startsWith('PkmLayerNorm'))).toBe(false);
  });
});
