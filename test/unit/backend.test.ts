import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { chooseBackend, isBackendName } from '../../src/engine/backend';

describe('chooseBackend in Node', () => {
  it('falls back past WebGPU and WebGL to wasm, giving a reason for each', async () => {
    const choice = await chooseBackend();
    expect(choice.backend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(choice.fallbacks.map((f) => f.backend)).toEqual(['webgpu', 'webgl']);
    expect(choice.fallbacks[0].reason).toMatch(/navigator\.gpu/);
    expect(choice.fallbacks.every((f) => f.reason.length > 0)).toBe(true);
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
