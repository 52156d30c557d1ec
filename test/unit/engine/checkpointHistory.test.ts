import { afterEach, describe, expect, it } from 'vitest';
import { decodeCheckpoint, decodeCheckpointHistory, encodeCheckpoint } from '../../../src/engine/checkpoint';
import { LossLog } from '../../../src/engine/lossLog';
import type { LayerUsage, Snapshot } from '../../../src/engine/protocol';
import { type TestSession, tinySession } from './harness';

let open: TestSession[] = [];
async function session(): Promise<TestSession> {
  const t = await tinySession();
  open.push(t);
  return t;
}
afterEach(async () => {
  for (const t of open) {
    await t.send({ type: 'pause' });
    await t.send({ type: 'init', backend: 'wasm' });
  }
  open = [];
});

/** The newest usage maps the engine sent. */
function latestUsage(snapshots: Snapshot[]): LayerUsage[] {
  const withUsage = snapshots.filter((s) => s.usage !== null);
  expect(withUsage.length).toBeGreaterThan(0);
  return withUsage.at(-1)!.usage!;
}

function flatCounts(u: LayerUsage): number[] {
  return u.counts.perHead.flatMap((h) => Array.from(h));
}

describe('checkpoints keep the usage counts and the loss history', () => {
  it('a saved run comes back with its usage map and its losses, and goes on counting from there', async () => {
    const a = await session();
    const records = await a.ok({ type: 'step', count: 5 });
    const usage = latestUsage(a.snapshots());
    const used = flatCounts(usage[0]).filter((c) => c > 0).length;
    expect(used).toBeGreaterThan(0);
    const file = await a.ok({ type: 'saveCheckpoint' });
    const bytes = file.bytes.slice();

    const decoded = decodeCheckpoint(bytes);
    expect(decoded.losses!.start).toBe(1);
    expect(Array.from(decoded.losses!.loss)).toEqual(records.map((r) => Math.fround(r.loss)));
    expect(decoded.usage!.layers.map((u) => [u.layer, u.heads, u.tokens])).toEqual([
      [1, usage[0].heads, usage[0].tokens],
    ]);
    expect(Array.from(decoded.usage!.layers[0].counts)).toEqual(flatCounts(usage[0]));
    // The app's light reader sees the same, without decoding the weights.
    const light = decodeCheckpointHistory(bytes);
    expect(light.step).toBe(5);
    expect(Array.from(light.losses!.loss)).toEqual(Array.from(decoded.losses!.loss));
    expect(Array.from(light.usage!.layers[0].weights)).toEqual(Array.from(decoded.usage!.layers[0].weights));

    // Another engine (a reload, a backend switch, a restarted worker) loads it.
    const b = await session();
    const before = b.snapshots().length;
    await b.ok({ type: 'loadCheckpoint', bytes });
    const restored = latestUsage(b.snapshots().slice(before));
    expect(flatCounts(restored[0])).toEqual(flatCounts(usage[0]));
    expect(restored[0].tokens).toBe(usage[0].tokens);
    await b.ok({ type: 'step', count: 2 });
    const grown = latestUsage(b.snapshots());
    expect(grown[0].tokens).toBeGreaterThan(usage[0].tokens);
    const again = decodeCheckpoint((await b.ok({ type: 'saveCheckpoint' })).bytes);
    expect(again.losses!.start).toBe(1);
    expect(again.losses!.loss.length).toBe(7);
    expect(Array.from(again.losses!.loss.subarray(0, 5))).toEqual(Array.from(decoded.losses!.loss));
  });

  it('reset starts a fresh history; counts made under another half-life are not mixed in', async () => {
    const a = await session();
    await a.ok({ type: 'step', count: 3 });
    const bytes = (await a.ok({ type: 'saveCheckpoint' })).bytes.slice();
    await a.ok({ type: 'reset' });
    const fresh = decodeCheckpoint((await a.ok({ type: 'saveCheckpoint' })).bytes);
    expect(fresh.losses ?? null).toBeNull();
    expect(fresh.usage!.layers[0].tokens).toBe(0);

    const b = await session();
    await b.ok({ type: 'setOptions', options: { usageHalfLife: 50 } });
    await b.ok({ type: 'loadCheckpoint', bytes });
    const loaded = decodeCheckpoint((await b.ok({ type: 'saveCheckpoint' })).bytes);
    expect(loaded.usage!.layers[0].tokens).toBe(0);
    expect(loaded.losses!.loss.length).toBe(3);
  });

  it('a compact file stores weights as F16 and moments and usage as BF16, within their precision', async () => {
    const a = await session();
    await a.ok({ type: 'step', count: 4 });
    const full = decodeCheckpoint((await a.ok({ type: 'saveCheckpoint' })).bytes);
    const compact = encodeCheckpoint(full, { compact: true });
    const header = JSON.parse(
      new TextDecoder().decode(compact.subarray(8, 8 + new DataView(compact.buffer).getUint32(0, true))),
    );
    expect(header['memory.1.values'].dtype).toBe('F16');
    expect(header['memory.1.adam_v'].dtype).toBe('BF16');
    expect(header['history.loss'].dtype).toBe('F32');
    const back = decodeCheckpoint(compact);
    const close = (x: Float32Array, y: Float32Array, rel: number) =>
      x.every((v, i) => Math.abs(v - y[i]) <= rel * Math.abs(v) + 1e-7);
    expect(close(full.weights.memories[0].values, back.weights.memories[0].values, 2 ** -11)).toBe(true);
    // Adam's second moments are tiny: BF16 keeps them (F16 would flush many to zero).
    const v = full.valueOptimizers![0].v;
    expect(close(v, back.valueOptimizers![0].v, 2 ** -8)).toBe(true);
    expect(Array.from(back.losses!.loss)).toEqual(Array.from(full.losses!.loss));
  });

  it('refuses a loss history that runs past the step', async () => {
    const a = await session();
    await a.ok({ type: 'step', count: 2 });
    const c = decodeCheckpoint((await a.ok({ type: 'saveCheckpoint' })).bytes);
    const bad = encodeCheckpoint({ ...c, losses: { start: 1, loss: new Float32Array(3) } });
    expect(() => decodeCheckpoint(bad)).toThrow(/goes past the checkpoint's step 2/);
  });
});

describe('LossLog', () => {
  it('grows, continues a saved history and restarts where steps jump', () => {
    const log = new LossLog();
    log.reset(4, { start: 1, loss: Float32Array.from([3, 2, 1]) });
    for (let s = 4; s < 2000; s++) log.record(s, s);
    const saved = log.saved()!;
    expect(saved.start).toBe(1);
    expect(saved.loss.length).toBe(1999);
    expect(saved.loss[1998]).toBe(1999);
    log.reset(10, { start: 1, loss: Float32Array.from([1]) }); // a gap: not continued
    expect(log.saved()).toBeNull();
    log.record(10, 0.5);
    log.record(20, 0.25);
    expect(log.saved()).toEqual({ start: 20, loss: Float32Array.from([0.25]) });
  });
});
