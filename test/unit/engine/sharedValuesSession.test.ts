import { afterEach, describe, expect, it } from 'vitest';
import { decodeCheckpoint } from '../../../src/engine/checkpoint';
import { type TestSession, tinySession } from './harness';

let open: TestSession | null = null;
afterEach(async () => {
  await open?.send({ type: 'pause' });
  await open?.send({ type: 'init', backend: 'wasm' }); // disposes the model
  open = null;
});

describe('EngineSession with mem_share_values', () => {
  it('counts the table once, and save → load resumes training exactly with one shared table', async () => {
    const t = await tinySession({ mem_layers: [0, 1], mem_share_values: true });
    open = t;
    await t.ok({ type: 'step', count: 4 });
    const saved = await t.ok({ type: 'saveCheckpoint' });
    const bytes = saved.bytes.slice();
    const decoded = decodeCheckpoint(bytes);
    expect(decoded.weights.memories[1].values).toBe(decoded.weights.memories[0].values);
    expect(decoded.valueOptimizers!.map((o) => o.step)).toEqual([4, 4]);
    const nextLosses = await t.ok({ type: 'step', count: 3 });
    const info = await t.ok({ type: 'loadCheckpoint', bytes });
    expect(info).toMatchObject({ step: 4, optimizerRestored: true, config: { mem_share_values: true } });
    const slots = decoded.config.n_keys ** 2 * decoded.config.d_model;
    expect(info.parameters.memoryValues).toBe(slots);
    expect((await t.ok({ type: 'saveCheckpoint' })).bytes).toEqual(bytes);
    const replay = await t.ok({ type: 'step', count: 3 });
    expect(replay.map((r) => r.loss)).toEqual(nextLosses.map((r) => r.loss));
  });
});
