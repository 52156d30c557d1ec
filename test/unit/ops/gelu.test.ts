import * as tf from '@tensorflow/tfjs';
import { beforeEach, describe, expect, it } from 'vitest';
import { gelu as layersGelu } from '../../../src/model/layers';
import { geluLoop } from '../../../src/model/ops/cpu/gelu';
import { fusedGeluAvailable, geluReference } from '../../../src/model/ops/gelu';
import { withKernelMode } from '../../../src/model/ops/kernelMode';
import type { WasmBackendLike } from '../../../src/model/ops/wasm/heap';
import { setWasmSimdEnabled, wasmSimd } from '../../../src/model/ops/wasm/simd';
import {
  expectFiniteDifferences,
  expectFusedMatchesReference,
  expectLimits,
  expectMatchesLoops,
  expectNaNPropagates,
  expectNoLeak,
  runGelu,
  runInMode,
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

describe('fused GELU on wasm: SIMD kernels and float64 loops', () => {
  beforeEach(() => onBackend('wasm'));

  it('the SIMD kernels (float32, polynomial exp) = the float64 loops to a few ulps, lengths not a multiple of 4 included', async () => {
    expect(wasmSimd(tf.backend() as unknown as WasmBackendLike)).not.toBeNull();
    for (const [n, seed] of [
      [4099, 3],
      [7, 4],
    ] as const) {
      const x = uniformValues(n, -12, 12, seed);
      await expectMatchesLoops(x, 2e-6, 1e-7);
      const dy = upstream(n);
      const y = new Float32Array(n);
      geluLoop(x, y);
      const simd = await runInMode('fused', x, dy);
      // With SIMD off the loops run and agree bit for bit; with it on some element differs.
      setWasmSimdEnabled(false);
      try {
        expect((await runInMode('fused', x, dy)).y).toEqual(y);
      } finally {
        setWasmSimdEnabled(true);
      }
      if (n > 100) expect(simd.y.some((v, i) => v !== y[i])).toBe(true);
    }
  });
});
