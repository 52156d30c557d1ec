import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { openSession, TINY } from './harness';

describe('switching backends in the engine', () => {
  it('lands on a backend the user asks for even after it failed, and a checkpoint never moves the engine', async () => {
    const t = openSession();
    // cpu "failed earlier": a new worker avoids it in its own choice…
    const init = await t.ok({ type: 'init', backend: 'auto', avoid: ['cpu'] });
    expect(init.backend.backend).toBe('wasm');
    // …but the user's explicit switch (a config forcing it) really lands there.
    const onCpu = await t.ok({ type: 'configure', config: { ...TINY, backend: 'cpu' } });
    expect(onCpu.backend.backend).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    await t.ok({ type: 'step', count: 2 });
    const saved = await t.ok({ type: 'saveCheckpoint' });
    // The way back, then the weights: the checkpoint says 'cpu', the engine stays on wasm.
    const onWasm = await t.ok({ type: 'configure', config: { ...TINY, backend: 'wasm' } });
    expect(onWasm.backend.backend).toBe('wasm');
    const loaded = await t.ok({ type: 'loadCheckpoint', bytes: saved.bytes });
    expect(loaded.step).toBe(2);
    expect(loaded.backend.backend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    await t.session.dispose();
  }, 60_000);
});
