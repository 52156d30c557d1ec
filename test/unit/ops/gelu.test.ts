import { beforeEach, describe, expect, it } from 'vitest';
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
import { onBackend } from './onBackend';

describe.each(['cpu', 'wasm'])('fused GELU on %s', (backend) => {
  beforeEach(() => onBackend(backend));

  it('runs fused in fused mode only, and not where the op is kept on its reference', async () => {
    expect(await withKernelMode('fused', fusedGeluAvailable)).toBe(true);
    expect(await withKernelMode('reference', fusedGeluAvailable)).toBe(false);
    expect(await withKernelMode('fused', fusedGeluAvailable, { referenceOps: ['gelu'] })).toBe(false);
  });

  it('equals the reference (forward and gradient) over a sweep with zero and large |x|', async () => {
    await expectFusedMatchesReference(sweep());
  });

  it('equals the reference on a rank-3 tensor', async () => {
    await expectFusedMatchesReference(uniformValues(4 * 5 * 6, -5, 5, 9), [4, 5, 6]);
  });

  it('gives the limits x and 0 past saturation with finite gradients, ±Inf included', async () => {
    await expectLimits();
  });

  it('propagates NaN', async () => {
    await expectNaNPropagates();
  });

  it('has the gradient of central finite differences', async () => {
    await expectFiniteDifferences();
  });

  it('leaves no tensor behind', async () => {
    await expectNoLeak();
  });

  it("in 'reference' mode, layers.ts' gelu runs the reference's ops bit for bit", async () => {
    const x = sweep();
    const dy = upstream(x.length);
    const viaLayers = await withKernelMode('reference', () => runGelu(layersGelu, x, dy));
    const direct = await runGelu(geluReference, x, dy);
    expect(viaLayers.kernels).toEqual(direct.kernels);
    expect(viaLayers.y).toEqual(direct.y);
    expect(viaLayers.dx).toEqual(direct.dx);
  });
});
