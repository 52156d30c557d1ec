import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { create, globals } from 'webgpu';
import type { TestSession } from './harness';

/** WebGPU's default binding limit, which the device below gets instead of the adapter's maximum. */
const DEFAULT_BINDING = 2 ** 27;

let harness: typeof import('./harness');

// WebGPU in Node: Dawn on Chromium's SwiftShader (vitest.config.ts sets VK_ICD_FILENAMES). The
// globals must exist before tfjs-backend-webgpu is loaded: the engine is imported afterwards.
beforeAll(async () => {
  Object.assign(globalThis, globals);
  const gpu = create([]);
  // tfjs asks for the adapter's largest buffer limits; this device gets WebGPU's defaults, as a
  // smaller GPU would (a limit can be lowered only down to the default).
  const lowered = {
    requestAdapter: async (options?: GPURequestAdapterOptions) => {
      const adapter = await gpu.requestAdapter(options);
      if (!adapter) return null;
      const requestDevice = adapter.requestDevice.bind(adapter);
      return Object.assign(Object.create(adapter), {
        info: adapter.info,
        limits: adapter.limits,
        features: adapter.features,
        requestDevice: (descriptor?: GPUDeviceDescriptor) => {
          const {
            maxStorageBufferBindingSize: _b,
            maxBufferSize: _s,
            ...rest
          } = descriptor?.requiredLimits ?? {};
          return requestDevice({ ...descriptor, requiredLimits: rest });
        },
      });
    },
  };
  Object.defineProperty(globalThis, 'navigator', { value: { gpu: lowered }, configurable: true });
  harness = await import('./harness');
}, 60_000);

describe('device limits on WebGPU (Dawn in Node, default limits)', () => {
  let t: TestSession;

  it('refuses a value table over maxStorageBufferBindingSize before building, naming what fits', async () => {
    t = harness.openSession();
    const init = await t.ok({ type: 'init', backend: 'webgpu' });
    expect(init.backend.backend).toBe('webgpu');
    const device = (tf.backend() as unknown as { device: GPUDevice }).device;
    expect(device.limits.maxStorageBufferBindingSize).toBe(DEFAULT_BINDING);
    // 1,048,576 slots × 64 floats = 256 MiB: twice the limit.
    const started = performance.now();
    const reply = await t.send({
      type: 'configure',
      config: { ...harness.TINY, backend: 'webgpu', n_keys: 1024, d_model: 64 },
    });
    const ms = performance.now() - started;
    expect(reply.ok).toBe(false);
    if (reply.ok) return;
    expect(reply.error.kind).toBe('out-of-memory');
    expect(reply.error.message).toMatch(/memory values of block \d+.*256\.0 MiB \(268,435,456 bytes\)/);
    expect(reply.error.message).toMatch(/maxStorageBufferBindingSize of 128\.0 MiB \(134,217,728 bytes\)/);
    // sqrt(2^27 / (4 · 64)) = 724.08.
    expect(reply.error.message).toMatch(/n_keys 724 \(1024 now\)/);
    // Refused before any allocation: no tensor was made, and it took no build's time.
    expect(tf.memory().numTensors).toBe(0);
    expect(ms).toBeLessThan(2_000);
  }, 60_000);

  it('builds and trains a config that fits, on the same engine', async () => {
    const info = await t.ok({ type: 'configure', config: { ...harness.TINY, backend: 'webgpu' } });
    expect(info.backend.backend).toBe('webgpu');
    const [step] = await t.ok({ type: 'step', count: 1 });
    expect(Number.isFinite(step.loss)).toBe(true);
    await t.session.dispose();
  }, 120_000);
});
