import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import { EngineClient, EngineCommandError } from '../../../src/engine/client';
import type { EngineEvent, EngineFault } from '../../../src/engine/protocol';
import { TINY } from './harness';
import { PortWorker } from './portWorker';

let client: EngineClient | null = null;
const workers: PortWorker[] = [];
afterEach(() => {
  client?.terminate();
  client = null;
});

async function startClient(): Promise<{ client: EngineClient; events: EngineEvent[] }> {
  const started = await EngineClient.start({
    backend: 'wasm',
    allowDebug: true,
    createWorker: () => {
      const worker = new PortWorker();
      workers.push(worker);
      return worker;
    },
  });
  client = started;
  const events: EngineEvent[] = [];
  started.subscribe((e) => events.push(e));
  return { client: started, events };
}

const until = async (predicate: () => boolean, timeoutMs = 30_000) => {
  const end = performance.now() + timeoutMs;
  while (!predicate()) {
    if (performance.now() > end) throw new Error(`timed out: ${predicate}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('EngineClient over a MessageChannel', () => {
  it('sends typed commands, receives snapshots with their typed arrays, throws command errors', async () => {
    const { client, events } = await startClient();
    expect(client.backend?.backend).toBe('wasm');
    const info = await client.configure(TINY);
    expect(info.step).toBe(0);
    const records = await client.step(3);
    expect(records).toHaveLength(3);
    await until(() => events.some((e) => e.type === 'snapshot' && e.snapshot.step === 3));
    const snapshots = events.flatMap((e) => (e.type === 'snapshot' ? [e.snapshot] : []));
    expect(snapshots.at(-1)!.losses).toBeInstanceOf(Float32Array);
    const losses = snapshots.flatMap((s) => Array.from(s.losses));
    expect(losses).toEqual(records.map((r) => Math.fround(r.loss)));
    const error = await client.step(0).catch((e) => e);
    expect(error).toBeInstanceOf(EngineCommandError);
    expect(error.kind).toBe('bad-command');
    const invalid = await client.configure({ ...TINY, d_model: 7 }).catch((e) => e);
    expect(invalid.kind).toBe('invalid-config');
    expect(invalid.configErrors[0].field).toBe('d_model');
    // A bad config leaves the current model as it was.
    expect(client.state).toBe('paused');
    expect((await client.status()).config?.d_model).toBe(16);
  });

  it('restarts a crashed worker on the next backend with the last checkpoint, corpus, selection and pace', async () => {
    const { client, events } = await startClient();
    const text = 'The quick brown fox jumps over the lazy dog. '.repeat(40);
    await client.configure(TINY, { checkpointEveryMs: 100 });
    await client.setCorpus({ kind: 'user', bytes: new TextEncoder().encode(text), name: 'fox.txt' });
    await client.select({ text: 'quick fox', position: 2, layer: 1 });
    await client.step(4);
    await until(() => client.lastCheckpoint?.step === 4);
    const saved = client.lastCheckpoint!;
    const first = workers.at(-1)!;
    await client.start({ kind: 'slow', intervalMs: 60_000 });
    await until(() => events.some((e) => e.type === 'snapshot' && e.snapshot.step === 5));
    const checkpointStep = client.lastCheckpoint!.step;
    // The reply and the crash race each other: either is fine.
    await client.debug('crash').catch((err) => expect(err.message).toMatch(/send the command again/));
    await until(() => events.some((e) => e.type === 'fault' && e.fault.recovery === 'restarted'), 60_000);
    expect(first.terminated).toBe(true);
    const faults = events.flatMap((e) => (e.type === 'fault' ? [e.fault] : [])) as EngineFault[];
    expect(faults.map((f) => [f.kind, f.recovery])).toEqual([
      ['worker-crashed', 'restarting'],
      ['worker-crashed', 'restarted'],
    ]);
    expect(faults[1].restoredStep).toBe(checkpointStep);
    expect(faults[1].message).toMatch(
      new RegExp(`Restarted on cpu from the weights of step ${checkpointStep}`),
    );
    expect(events.some((e) => e.type === 'state' && e.state === 'restarting')).toBe(true);
    const status = await client.status();
    expect(status.backend).toMatchObject({
      backend: 'cpu',
      fallbacks: expect.arrayContaining([
        { backend: 'wasm', reason: expect.stringMatching(/failed earlier/) },
      ]),
    });
    expect(status).toMatchObject({
      state: 'slow',
      corpus: { kind: 'user', name: 'fox.txt' },
      selection: { text: 'quick fox', position: 2, layer: 1 },
      pace: { kind: 'slow', intervalMs: 60_000 },
      options: { checkpointEveryMs: 100 },
    });
    expect(status.step).toBeGreaterThanOrEqual(checkpointStep);
    await client.pause();
    // The weights are those of the checkpoint, not a fresh model.
    const info = await client.loadCheckpoint(client.lastCheckpoint?.bytes ?? saved.bytes);
    expect(info.config.corpus).toBe('user');
    expect(tf.getBackend()).toBe('cpu');
  }, 90_000);
});
