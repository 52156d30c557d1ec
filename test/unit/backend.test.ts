import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import { chooseBackend, isBackendName, WEBGL_SKIPPED } from '../../src/engine/backend';

const realNavigator = Object.getOwnPropertyDescriptor(globalThis, 'navigator');

/** A navigator whose WebGPU has one adapter with these details (no device: tfjs cannot use it here). */
function withAdapter(adapter: { info: { description: string; isFallbackAdapter: boolean } } | null): void {
  Object.defineProperty(globalThis, 'navigator', {
    configurable: true,
    value: { gpu: { requestAdapter: async () => adapter } },
  });
}

afterEach(() => {
  if (realNavigator) Object.defineProperty(globalThis, 'navigator', realNavigator);
});

describe('chooseBackend in Node', () => {
  it('falls back past WebGPU to wasm, and says why WebGL comes after wasm', async () => {
    const choice = await chooseBackend();
    expect(choice.backend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(choice.fallbacks.map((f) => f.backend)).toEqual(['webgpu', 'webgl']);
    expect(choice.fallbacks[0].reason).toMatch(/navigator\.gpu/);
    expect(choice.fallbacks[1].reason).toBe(WEBGL_SKIPPED);
    expect(choice.softwareAdapter).toBeUndefined();
  });

  it('passes over a software WebGPU adapter (SwiftShader) automatically, and says so', async () => {
    withAdapter({ info: { description: 'SwiftShader Device (Subzero)', isFallbackAdapter: true } });
    const choice = await chooseBackend();
    expect(choice.backend).toBe('wasm');
    expect(choice.softwareAdapter).toBe('SwiftShader Device (Subzero)');
    expect(choice.fallbacks[0]).toEqual({
      backend: 'webgpu',
      reason: expect.stringMatching(/software renderer \(SwiftShader Device \(Subzero\)\).*backend=webgpu/),
    });
  });

  it('tries a hardware adapter first (here it cannot start: tfjs finds no device in Node)', async () => {
    withAdapter({ info: { description: 'Some GPU', isFallbackAdapter: false } });
    const choice = await chooseBackend();
    expect(choice.backend).toBe('wasm');
    expect(choice.softwareAdapter).toBeUndefined();
    expect(choice.fallbacks[0].backend).toBe('webgpu');
    expect(choice.fallbacks[0].reason).not.toMatch(/software/);
  });

  it('honours a forced backend', async () => {
    const choice = await chooseBackend('cpu');
    expect(choice).toEqual({ backend: 'cpu', fallbacks: [] });
    expect(tf.getBackend()).toBe('cpu');
  });

  it('recognises backend names', () => {
    expect(isBackendName('webgpu')).toBe(true);
    expect(isBackendName('tpu')).toBe(false);
    expect(isBackendName(3)).toBe(false);
  });
});
