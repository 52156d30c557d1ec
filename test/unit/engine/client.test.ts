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

/** Starts a client on wasm; `failStarts` makes that many worker starts after the first throw. */
async function startClient(
  options: { failStarts?: number; heartbeat?: { intervalMs: number; deadAfterMs: number } } = {},
): Promise<{ client: EngineClient; events: EngineEvent[]; failing: { starts: number } }> {
  const failing = { starts: 0 };
  const started = await EngineClient.start({
    backend: 'wasm',
    allowDebug: true,
    heartbeat: options.heartbeat,
    createWorker: () => {
      if (workers.length > 0 && failing.starts > 0) {
        failing.starts--;
        throw new Error('the worker script could not be fetched (offline)');
      }
      const worker = new PortWorker();
      workers.push(worker);
      return worker;
    },
  });
  client = started;
  const events: EngineEvent[] = [];
  started.subscribe((e) => events.push(e));
  return { client: started, events, failing };
}

const faultsOf = (events: EngineEvent[]) =>
  events.flatMap((e) => (e.type === 'fault' ? [e.fault] : [])) as EngineFault[];

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

  it('resumes training by itself when the step error came from the failure that restarted the worker', async () => {
    const { client, events } = await startClient();
    await client.configure(TINY, { checkpointEveryMs: 100 });
    await client.start({ kind: 'fast' });
    await until(() => events.some((e) => e.type === 'snapshot' && e.snapshot.step >= 3));
    // A dying device first fails the running step ('internal', paused), then the worker goes.
    await client.debug('fail-next-step');
    const faults = () => events.flatMap((e) => (e.type === 'fault' ? [e.fault] : []));
    await until(() => faults().some((f) => f.kind === 'internal'));
    expect(faults()[0]).toMatchObject({ kind: 'internal', recovery: 'paused' });
    await client.debug('crash').catch((err) => expect(err.message).toMatch(/send the command again/));
    await until(() => faults().some((f) => f.recovery === 'restarted'), 60_000);
    const restored = faults().at(-1)!.restoredStep!;
    // No start from the test: the client resumed at the pace the fault interrupted.
    const status = await client.status();
    expect(status.state).toBe('running');
    expect(status.pace).toEqual({ kind: 'fast' });
    await until(() => events.some((e) => e.type === 'snapshot' && e.snapshot.step > restored + 2), 60_000);
    await client.pause();
  }, 90_000);

  it('keeps training paused after a restart when the user paused after the fault', async () => {
    const { client, events } = await startClient();
    await client.configure(TINY, { checkpointEveryMs: 100 });
    await client.start({ kind: 'fast' });
    await until(() => events.some((e) => e.type === 'snapshot' && e.snapshot.step >= 2));
    await client.debug('fail-next-step');
    await until(() => events.some((e) => e.type === 'fault' && e.fault.kind === 'internal'));
    await client.pause();
    await client.debug('crash').catch(() => undefined);
    await until(() => events.some((e) => e.type === 'fault' && e.fault.recovery === 'restarted'), 60_000);
    expect((await client.status()).state).toBe('paused');
  }, 90_000);

  it('restarts a crashed worker on the same backend with the last checkpoint, corpus, selection and pace', async () => {
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
      new RegExp(`Restarted on wasm from the weights of step ${checkpointStep}`),
    );
    expect(events.some((e) => e.type === 'state' && e.state === 'restarting')).toBe(true);
    const status = await client.status();
    // A plain JS crash is not the backend's fault: the new worker runs on the same one.
    expect(status.backend).toMatchObject({ backend: 'wasm', requested: 'wasm', fallbacks: [] });
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
    expect(tf.getBackend()).toBe('wasm');
  }, 90_000);

  it('takes a backend that crashes twice within a minute for the cause and restarts on the next one', async () => {
    const { client, events } = await startClient();
    await client.configure(TINY, { checkpointEveryMs: 100 });
    await client.debug('crash').catch(() => undefined);
    await until(() => faultsOf(events).filter((f) => f.recovery === 'restarted').length === 1, 60_000);
    expect(client.backend?.backend).toBe('wasm');
    await client.debug('crash').catch(() => undefined);
    await until(() => faultsOf(events).filter((f) => f.recovery === 'restarted').length === 2, 60_000);
    const status = await client.status();
    expect(status.backend?.backend).toBe('cpu');
    expect(status.backend?.fallbacks).toContainEqual({
      backend: 'wasm',
      reason: expect.stringMatching(/failed earlier/),
    });
    expect(status.config?.d_model).toBe(TINY.d_model);
  }, 90_000);

  it('notices a worker that exits silently (no error event) by its heartbeat and restarts it', async () => {
    const { client, events } = await startClient({ heartbeat: { intervalMs: 100, deadAfterMs: 1_500 } });
    await client.configure(TINY, { checkpointEveryMs: 100 });
    await client.start({ kind: 'fast' });
    await until(() => client.lastCheckpoint !== null && client.lastCheckpoint.step >= 2);
    const silent = workers.at(-1)!;
    await client.debug('exit');
    await until(() => silent.exited);
    // A command sent to the dead worker ends (it does not hang) once the heartbeat gives it up.
    const lost = await client.status().catch((err: Error) => err);
    await until(() => faultsOf(events).some((f) => f.recovery === 'restarted'), 30_000);
    if (lost instanceof Error) expect(lost.message).toMatch(/stopped answering|send the command again/);
    expect(faultsOf(events)[0]).toMatchObject({ kind: 'worker-crashed', recovery: 'restarting' });
    expect(faultsOf(events)[0].message).toMatch(/stopped answering/);
    expect(silent.terminated).toBe(true);
    const status = await client.status();
    expect(status.backend?.backend).toBe('wasm');
    expect(status.state).toBe('running');
    const before = status.step;
    await until(() => events.some((e) => e.type === 'snapshot' && e.snapshot.step > before + 1), 30_000);
    await client.pause();
  }, 60_000);

  it('retries a restart whose worker cannot start, then gives up in a state the next command retries', async () => {
    const { client, events, failing } = await startClient();
    await client.configure(TINY, { checkpointEveryMs: 100 });
    await client.step(2);
    // Two failed starts, then one that works: the restart retries with backoff and succeeds.
    failing.starts = 2;
    await client.debug('crash').catch(() => undefined);
    await until(() => faultsOf(events).some((f) => f.recovery === 'restarted'), 30_000);
    expect((await client.status()).step).toBe(2);
    // Every start fails: the client gives up with a fault the user can act on, and no command hangs.
    failing.starts = 1_000;
    await client.debug('crash').catch(() => undefined);
    await until(() => faultsOf(events).some((f) => f.recovery === 'none'), 60_000);
    const gaveUp = faultsOf(events).find((f) => f.recovery === 'none')!;
    expect(gaveUp.message).toMatch(/Restarting failed 5 times: the worker script could not be fetched/);
    expect(client.state).toBe('faulted');
    const refused = await client.pause().catch((err: Error) => err);
    expect(refused).toBeInstanceOf(Error);
    // Back online: the next command starts a worker again and finds the model where it was.
    failing.starts = 0;
    const status = await client.status();
    expect(status.step).toBe(2);
    expect(status.config?.d_model).toBe(TINY.d_model);
  }, 120_000);
});
