import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { gelu as layersGelu } from '../../../src/model/layers';
import { fusedGeluAvailable, geluReference } from '../../../src/model/ops/gelu';
import { withKernelMode } from '../../../src/model/ops/kernelMode';
import {
  expectFiniteDifferences,
  expectFusedMatchesReference,
  expectLimits,
  expectNaNPropagates,
  expectNoLeak,
  runGelu,
  sweep,
  uniformValues,
  upstream,
} from './geluCases';

async function onBackend(name: string): Promise<void> {
  if (tf.getBackend() !== name && !(await tf.setBackend(name))) throw new Error(`${name} did not start`);
  await tf.ready();
}

describe.each(['cpu', 'wasm'])('fused GELU on %s', (backend) => {
  it('runs fused in fused mode only, and not where the op is kept on its reference', async () => {
    await onBackend(backend);
    expect(await withKernelMode('fused', fusedGeluAvailable)).toBe(true);
    expect(await withKernelMode('reference', fusedGeluAvailable)).toBe(false);
    expect(await withKernelMode('fused', fusedGeluAvailable, { referenceOps: ['gelu'] })).toBe(false);
  });

  it('equals the reference (forward and gradient) over a sweep with zero and large |x|', async () => {
    await onBackend(backend);
    await expectFusedMatchesReference(sweep());
  });

  it('equals the reference on a rank-3 tensor', async () => {
    await onBackend(backend);
    await expectFusedMatchesReference(uniformValues(4 * 5 * 6, -5, 5, 9), [4, 5, 6]);
  });

  it('gives the limits x and 0 past saturation with finite gradients, ±Inf included', async () => {
    await onBackend(backend);
    await expectLimits();
  });

  it('propagates NaN', async () => {
    await onBackend(backend);
    await expectNaNPropagates();
  });

  it('has the gradient of central finite differences', async () => {
    await onBackend(backend);
    await expectFiniteDifferences();
  });

  it('leaves no tensor behind', async () => {
    await onBackend(backend);
    await expectNoLeak();
  });

  it("in 'reference' mode, layers.ts' gelu runs the reference's ops bit for bit", async () => {
    await onBackend(backend);
    const x = sweep();
    const dy = upstream(x.length);
    const viaLayers = await withKernelMode('reference', () => runGelu(layersGelu, x, dy));
    const direct = await runGelu(geluReference, x, dy);
    expect(viaLayers.kernels).toEqual(direct.kernels);
    expect(viaLayers.y).toEqual(direct.y);
    expect(viaLayers.dx).toEqual(direct.dx);
  });
});
