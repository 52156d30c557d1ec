import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterEach, describe, expect, it } from 'vitest';
import type { WasmBackendLike } from '../../../src/model/ops/wasm/heap';
import { setWasmSimdEnabled, wasmSimd } from '../../../src/model/ops/wasm/simd';
import { checkFusedAgainstReference } from './denseAdamCheck';
import { checkWasmAgainstLoop } from './denseAdamLoopCheck';
import { checkValueUpdateMask } from './valueMaskCheck';

/** Switches to `backend` with the wasm SIMD kernels on or off, checking which path will run. */
async function onBackend(backend: string, simd: boolean): Promise<void> {
  await tf.setBackend(backend);
  await tf.ready();
  setWasmSimdEnabled(simd);
  if (backend === 'wasm') expect(wasmSimd(tf.backend() as unknown as WasmBackendLike) !== null).toBe(simd);
}

afterEach(() => setWasmSimdEnabled(true));

describe('fused dense Adam against the tfjs-op reference', () => {
  // The JS loop rounds to float32 after every operation in the reference's order, and the SIMD
  // kernel does each of those operations in float32 lanes: bit for bit.
  it.each([
    ['cpu', true],
    ['wasm', true],
    ['wasm', false],
  ] as const)(
    'on %s (SIMD %s): same variables and moments, clipped, unclipped and skipped steps',
    async (backend, simd) => {
      await onBackend(backend, simd);
      await checkFusedAgainstReference(backend, 0);
    },
  );
});

describe('wasm dense Adam against the JS loop on plain arrays', () => {
  it.each([true, false])(
    'SIMD %s: bit for bit at every length, with overflow, underflow, signed zeros, NaN and masked steps',
    async (simd) => {
      await onBackend('wasm', simd);
      await checkWasmAgainstLoop();
    },
  );
});

describe('memory value update under the device-side apply flag', () => {
  it.each([
    ['cpu', 'cpu', 'auto'],
    ['wasm', 'wasm', 'auto'],
    ['wasm', 'generic', 'generic'],
  ] as const)(
    'on %s (%s writer): a skipped step writes no row, moment or running statistic',
    async (backend, kind, choice) => {
      await tf.setBackend(backend);
      await tf.ready();
      await checkValueUpdateMask(kind, choice);
    },
  );
});
