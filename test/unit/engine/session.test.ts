import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeCheckpoint } from '../../../src/engine/checkpoint';
import type { EngineEvent, Snapshot } from '../../../src/engine/protocol';
import { WARMUP_STEPS } from '../../../src/engine/run';
import { openSession, type TestSession, TINY, tinySession } from './harness';

let open: TestSession[] = [];
async function session(...args: Parameters<typeof tinySession>): Promise<TestSession> {
  const t = await tinySession(...args);
  open.push(t);
  return t;
}
afterEach(async () => {
  for (const t of open) {
    await t.send({ type: 'pause' });
    await t.send({ type: 'init', backend: 'wasm' }); // disposes the model
  }
  open = [];
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const kinds = (events: EngineEvent[]) => events.map((e) => e.type);

/** Every training loss reported, in step order, checking that no step is missing or repeated. */
function allLosses(snapshots: Snapshot[]): { first: number; losses: number[] } {
  const losses: number[] = [];
  let next = -1;
  let first = -1;
  for (const s of snapshots) {
    if (s.losses.length === 0) continue;
    if (next >= 0) expect(s.lossStart).toBe(next);
    else first = s.lossStart;
    losses.push(...s.losses);
    next = s.lossStart + s.losses.length;
  }
  return { first, losses };
}

describe('EngineSession: configure, step, snapshot', () => {
  it('starts on the requested backend, warms up with progress, and steps with complete snapshots', async () => {
    const t = await session();
    const types = kinds(t.events);
    expect(types[0]).toBe('backend');
    const warmup = t.events.flatMap((e) => (e.type === 'warmup' ? [e] : []));
    // 'steps' once as the steps begin, then once per warm-up step.
    const steps = Array.from({ length: WARMUP_STEPS + 1 }, () => 'steps');
    expect(warmup.map((w) => w.phase)).toEqual(['build', 'compile', ...steps, 'done']);
    const fractions = warmup.map((w) => w.fraction);
    expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
    expect(fractions.at(-1)).toBe(1);
    const states = t.events.flatMap((e) => (e.type === 'state' ? [e.state] : []));
    expect(states).toEqual(['unconfigured', 'building', 'warming', 'paused']);

    const status = await t.ok({ type: 'status' });
    expect(status).toMatchObject({
      state: 'paused',
      step: 0,
      backend: { backend: 'wasm', requested: 'wasm' },
    });

    const records = await t.ok({ type: 'step', count: 3 });
    expect(records.map((r) => r.step)).toEqual([1, 2, 3]);
    const last = t.snapshots().at(-1)!;
    expect(last.step).toBe(3);
    expect(last.backend).toBe('wasm');
    expect(last.state).toBe('paused');
    expect(allLosses(t.snapshots())).toEqual({ first: 1, losses: records.map((r) => Math.fround(r.loss)) });
    expect(last.lr).toBeCloseTo(records[2].lr);
    // Usage over 3 training steps of [4 × 8] tokens, 2 heads, knn 4.
    const usage = t
      .snapshots()
      .flatMap((s) => s.usage ?? [])
      .at(-1)!;
    expect(usage).toMatchObject({ layer: 1, heads: 2, slots: 64, tokens: 3 * 32, halfLife: 0 });
    const sum = (a: Float32Array) => a.reduce((x, y) => x + y, 0);
    expect(sum(usage.counts.total)).toBe(3 * 32 * 2 * 4);
    for (const head of usage.counts.perHead) expect(sum(head)).toBe(3 * 32 * 4);
    // Each token's softmax weights sum to 1 per head.
    expect(sum(usage.weights.total)).toBeCloseTo(3 * 32 * 2, 3);
    expect(usage.counts.max).toBe(Math.max(...usage.counts.total));
    expect(last.tfMemory.numTensors).toBe(tf.memory().numTensors);
  });

  it('warm-up does not train: the same seed gives the same losses with or without warm-up steps', async () => {
    const warm = await session();
    const cold = openSession();
    open.push(cold);
    await cold.ok({ type: 'init', backend: 'wasm' });
    await cold.ok({ type: 'configure', config: TINY, skipWarmupSteps: true });
    const a = await warm.ok({ type: 'step', count: 4 });
    const b = await cold.ok({ type: 'step', count: 4 });
    expect(a.map((r) => r.loss)).toEqual(b.map((r) => r.loss));
    const info = await warm.ok({ type: 'reset' });
    expect(info.step).toBe(0);
    expect(info.warmup.steps).toBe(WARMUP_STEPS);
    const again = await warm.ok({ type: 'step', count: 4 });
    expect(again.map((r) => r.loss)).toEqual(a.map((r) => r.loss));
    const reseeded = await warm.ok({ type: 'reset', seed: 99 });
    expect(reseeded.config.seed).toBe(99);
    const other = await warm.ok({ type: 'step', count: 1 });
    expect(other[0].loss).not.toBe(a[0].loss);
  });

  it('evaluates periodically with memory metrics per layer and head', async () => {
    const t = await session();
    await t.ok({ type: 'setOptions', options: { evalEvery: 5, evalBatches: 2 } });
    await t.ok({ type: 'step', count: 5 });
    const report = t.snapshots().at(-1)!.eval!;
    expect(report.step).toBe(5);
    expect(report.perplexity).toBeCloseTo(Math.exp(report.loss), 6);
    expect(report.tokens).toBe(2 * 4 * 8);
    expect(report.memories).toHaveLength(1);
    expect(report.memories[0].layer).toBe(1);
    expect(report.memories[0].metrics.per_head).toHaveLength(2);
    expect(report.memories[0].metrics.usage).toBeGreaterThan(0);
    const asked = await t.ok({ type: 'evaluate' });
    expect(asked.loss).toBe(report.loss);
    expect(asked.recall?.probes).toBeGreaterThan(0);
    const quick = await t.ok({ type: 'evaluate', recall: false });
    expect(quick.loss).toBe(report.loss);
    expect(quick.recall).toBeUndefined();
  });
});

describe('EngineSession: running, throttling, pace', () => {
  it('throttles snapshots when steps are fast, and every step loss arrives exactly once', async () => {
    const t = await session();
    await t.ok({ type: 'setOptions', options: { snapshotHz: 4, usageHz: 4 } });
    const before = t.snapshots().length;
    const started = performance.now();
    await t.ok({ type: 'start' });
    expect((await t.ok({ type: 'status' })).state).toBe('running');
    await sleep(1500);
    const status = await t.ok({ type: 'pause' });
    const seconds = (performance.now() - started) / 1000;
    expect(status.state).toBe('paused');
    const snaps = t.snapshots().slice(before);
    const steps = status.step;
    expect(steps).toBeGreaterThan(snaps.length);
    // At most snapshotHz per second, plus the final one on pause.
    expect(snaps.length).toBeLessThanOrEqual(Math.ceil(seconds * 4) + 2);
    const { first, losses } = allLosses(snaps);
    expect(first).toBe(1);
    expect(losses).toHaveLength(steps);
    expect(snaps.at(-1)!.state).toBe('paused');
    expect(snaps.some((s) => s.stepsPerSec > 0 && s.tokensPerSec === s.stepsPerSec * 32)).toBe(true);
    // Paused means paused.
    await sleep(200);
    expect((await t.ok({ type: 'status' })).step).toBe(steps);
  });

  it('slow mode takes one step per interval and single steps are refused while running', async () => {
    const t = await session();
    await t.ok({ type: 'start', pace: { kind: 'slow', intervalMs: 250 } });
    expect((await t.ok({ type: 'status' })).state).toBe('slow');
    const refused = await t.send({ type: 'step' });
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.error.kind).toBe('invalid-state');
    await sleep(1100);
    const { step } = await t.ok({ type: 'pause' });
    expect(step).toBeGreaterThanOrEqual(3);
    expect(step).toBeLessThanOrEqual(6);
    // Switching pace while running and back.
    await t.ok({ type: 'start', pace: { kind: 'slow', intervalMs: 60_000 } });
    await sleep(100);
    await t.ok({ type: 'start', pace: { kind: 'fast' } });
    await sleep(300);
    expect((await t.ok({ type: 'pause' })).step).toBeGreaterThan(step + 2);
  });

  it('cancel stops training', async () => {
    const t = await session();
    await t.ok({ type: 'start' });
    await sleep(100);
    const { cancelled } = await t.ok({ type: 'cancel' });
    expect(cancelled).toBeGreaterThanOrEqual(1);
    const { step, state } = await t.ok({ type: 'status' });
    await sleep(100);
    expect(state).toBe('paused');
    expect((await t.ok({ type: 'status' })).step).toBe(step);
  });
});

describe('EngineSession: faults and bad commands', () => {
  it('a NaN loss stops training with a message and keeps the last good weights', async () => {
    const t = await session();
    await t.ok({ type: 'step', count: 3 });
    const good = decodeCheckpoint((await t.ok({ type: 'saveCheckpoint' })).bytes);
    const goodEval = await t.ok({ type: 'evaluate' });
    await t.ok({ type: 'debug', action: 'nan-next-step' });
    await t.ok({ type: 'start' });
    await t.until(() => t.events.some((e) => e.type === 'fault'));
    await t.until(() => t.snapshots().at(-1)?.state === 'faulted');
    const fault = t.events.find((e) => e.type === 'fault')!;
    expect(fault).toMatchObject({
      fault: { kind: 'diverged', step: 3, backend: 'wasm', recovery: 'paused' },
    });
    if (fault.type === 'fault')
      expect(fault.fault.message).toMatch(/step 4: the loss is NaN.*weights are those after step 3/);
    const status = await t.ok({ type: 'status' });
    expect(status).toMatchObject({ state: 'faulted', step: 3 });
    const after = decodeCheckpoint((await t.ok({ type: 'saveCheckpoint' })).bytes);
    expect(after.weights).toEqual(good.weights);
    expect(after.optimizer).toEqual(good.optimizer);
    expect((await t.ok({ type: 'evaluate' })).loss).toBe(goodEval.loss);
    // Training resumes from there.
    const next = await t.ok({ type: 'step' });
    expect(next[0].step).toBe(4);
    expect(Number.isFinite(next[0].loss)).toBe(true);
    // A single step that diverges is an error reply of kind 'diverged'.
    await t.ok({ type: 'debug', action: 'nan-next-step' });
    const reply = await t.send({ type: 'step' });
    expect(reply.ok).toBe(false);
    if (!reply.ok) expect(reply.error.kind).toBe('diverged');
  });

  it('answers bad commands with an error reply and keeps working', async () => {
    const t = openSession();
    open.push(t);
    const expectError = async (command: unknown, kind: string, message: RegExp) => {
      const { reply } = await t.session.handle(command);
      expect(reply.ok).toBe(false);
      if (!reply.ok) {
        expect(reply.error.kind).toBe(kind);
        expect(reply.error.message).toMatch(message);
      }
    };
    await expectError({ type: 'step' }, 'invalid-state', /send init first/);
    await expectError(null, 'bad-command', /must be an object/);
    await expectError({ type: 'launch' }, 'bad-command', /unknown command type "launch"/);
    await expectError({ type: 'init', backend: 'tpu' }, 'bad-command', /backend must be one of/);
    await t.ok({ type: 'init', backend: 'wasm' });
    await expectError({ type: 'step' }, 'invalid-state', /needs a model/);
    await expectError({ type: 'configure' }, 'bad-command', /needs the argument "config"/);
    await expectError(
      { type: 'configure', config: TINY, speed: 3 },
      'bad-command',
      /unknown argument "speed"/,
    );
    await expectError(
      { type: 'configure', config: { ...TINY, d_model: 15 } },
      'invalid-config',
      /attn_heads must divide/,
    );
    await t.ok({ type: 'configure', config: TINY });
    await expectError({ type: 'step', count: 1.5 }, 'bad-command', /count must be an integer/);
    await expectError({ type: 'start', pace: { kind: 'slow' } }, 'bad-command', /intervalMs/);
    await expectError({ type: 'start', pace: { kind: 'slow', intervalMs: 5 } }, 'bad-command', /from 50/);
    await expectError(
      { type: 'setOptions', options: { snapshotHz: 0 } },
      'bad-command',
      /snapshotHz must be/,
    );
    await expectError({ type: 'setOptions', options: { fps: 3 } }, 'bad-command', /unknown option "fps"/);
    await expectError(
      { type: 'trace', text: 'abc', position: 3 },
      'bad-command',
      /outside the text: it has 3 bytes/,
    );
    await expectError(
      { type: 'trace', text: 'abc', position: 1, layer: 0 },
      'bad-command',
      /layer 0 has no memory/,
    );
    await expectError({ type: 'loadCheckpoint', bytes: new Uint8Array(10) }, 'format', /safetensors/);
    await expectError({ type: 'loadCheckpoint', bytes: 'file' }, 'bad-command', /Uint8Array/);
    await expectError({ type: 'debug', action: 'lose-device' }, 'invalid-state', /debug commands are off/);
    await expectError(
      { type: 'generate', prompt: 'a', maxTokens: 0, temperature: 1 },
      'bad-command',
      /maxTokens/,
    );
    // Still alive and the model intact.
    expect((await t.ok({ type: 'step' }))[0].step).toBe(1);
    expect((await t.ok({ type: 'status' })).state).toBe('paused');
  });

  it('refuses a config over the memory cap before allocating anything', async () => {
    const t = openSession();
    open.push(t);
    await t.ok({ type: 'init', backend: 'wasm' });
    const tensors = tf.memory().numTensors;
    const reply = await t.send({
      type: 'configure',
      config: { ...TINY, n_keys: 1024, v_dim: 4096, mem_plus: true },
    });
    expect(reply.ok).toBe(false);
    if (!reply.ok) {
      expect(reply.error.kind).toBe('out-of-memory');
      expect(reply.error.message).toMatch(/needs about .* GiB .* over the limit of 1\.50 GiB: lower n_keys/);
    }
    expect(tf.memory().numTensors).toBe(tensors);
    await t.ok({ type: 'setOptions', options: { memoryCapBytes: 2 ** 20 } });
    const small = await t.send({ type: 'configure', config: { ...TINY, d_model: 64, attn_heads: 4 } });
    expect(!small.ok && small.error.kind).toBe('out-of-memory');
    await t.ok({ type: 'setOptions', options: { memoryCapBytes: 2 ** 30 } });
    await t.ok({ type: 'configure', config: TINY });
  });
});

describe('EngineSession: checkpoints', () => {
  it('save → load restores identical weights, optimiser, step and evaluation loss', async () => {
    const t = await session();
    await t.ok({ type: 'step', count: 6 });
    const saved = await t.ok({ type: 'saveCheckpoint' });
    expect(saved).toMatchObject({ step: 6, name: 'pkm-step-6.safetensors' });
    const bytes = saved.bytes.slice();
    const evalAtSave = await t.ok({ type: 'evaluate' });
    const nextLosses = await t.ok({ type: 'step', count: 3 });
    const info = await t.ok({ type: 'loadCheckpoint', bytes });
    expect(info).toMatchObject({ step: 6, optimizerRestored: true, config: { ...TINY, mem_layers: [1] } });
    // Without recall: its point would join the history the file keeps, and the bytes would differ.
    expect((await t.ok({ type: 'evaluate', recall: false })).loss).toBe(evalAtSave.loss);
    const again = await t.ok({ type: 'saveCheckpoint' });
    expect(again.bytes).toEqual(bytes);
    // Same weights, both optimisers, same sampler position: training resumes exactly.
    const replay = await t.ok({ type: 'step', count: 3 });
    expect(replay.map((r) => r.step)).toEqual([7, 8, 9]);
    expect(replay.map((r) => r.loss)).toEqual(nextLosses.map((r) => r.loss));
  });

  it('sends recovery checkpoints while training and on pause', async () => {
    const t = await session();
    await t.ok({ type: 'setOptions', options: { checkpointEveryMs: 200 } });
    await t.ok({ type: 'start' });
    await sleep(700);
    const { step } = await t.ok({ type: 'pause' });
    const checkpoints = t.events.flatMap((e) => (e.type === 'checkpoint' ? [e.checkpoint] : []));
    expect(checkpoints.length).toBeGreaterThanOrEqual(2);
    expect(checkpoints.at(-1)!.step).toBe(step);
    expect(decodeCheckpoint(checkpoints.at(-1)!.bytes).step).toBe(step);
  });
});

describe('EngineSession: corpus', () => {
  it('rejects unusable user text with a clear message and trains on good text', async () => {
    const t = await session();
    const bytes = (text: string) => new TextEncoder().encode(text);
    const expectCorpusError = async (data: Uint8Array, message: RegExp) => {
      const reply = await t.send({
        type: 'setCorpus',
        corpus: { kind: 'user', bytes: data, name: 'notes.txt' },
      });
      expect(reply.ok).toBe(false);
      if (!reply.ok) {
        expect(reply.error.kind).toBe('corpus');
        expect(reply.error.message).toMatch(message);
      }
    };
    await expectCorpusError(new Uint8Array(0), /notes\.txt is empty/);
    await expectCorpusError(new Uint8Array([104, 105, 0, 104]), /looks binary.*NUL byte at offset 2/);
    await expectCorpusError(new Uint8Array([104, 0xc3, 0x28]), /not valid UTF-8: byte 0xc3 at offset 1/);
    await expectCorpusError(bytes('short text'), /too short for context 8/);
    const text = 'The quick brown fox jumps over the lazy dog. '.repeat(40);
    const info = await t.ok({
      type: 'setCorpus',
      corpus: { kind: 'user', bytes: bytes(text), name: 'fox.txt' },
    });
    expect(info).toMatchObject({ kind: 'user', name: 'fox.txt', probes: 0 });
    expect(info.trainBytes + info.validationBytes).toBe(text.length);
    expect((await t.ok({ type: 'status' })).config?.corpus).toBe('user');
    const losses = (await t.ok({ type: 'step', count: 30 })).map((r) => r.loss);
    expect(losses.at(-1)!).toBeLessThan(losses[0]);
    // configure with corpus 'user' uses that text; without one set it is refused.
    const fresh = openSession();
    open.push(fresh);
    await fresh.ok({ type: 'init', backend: 'wasm' });
    const refused = await fresh.send({ type: 'configure', config: { ...TINY, corpus: 'user' } });
    expect(!refused.ok && refused.error).toMatchObject({ kind: 'corpus', message: /send setCorpus/ });
  });
});

describe('EngineSession: tracing and generation', () => {
  it('traces the selected token in every memory layer and head, refreshed as weights change', async () => {
    const t = await session({ layers: 3, mem_layers: [0, 2] });
    const trace = (await t.ok({
      type: 'select',
      selection: { text: 'Kavo lives in Oslo.', position: 14, layer: 2 },
    }))!;
    expect(trace).toMatchObject({
      token: 'O'.charCodeAt(0),
      position: 14,
      windowStart: 7,
      step: 0,
      layer: 2,
    });
    expect(trace.layers.map((l) => l.layer)).toEqual([0, 2]);
    for (const { trace: m } of trace.layers) {
      expect(m.heads).toHaveLength(2);
      expect(m.heads[0].slots).toHaveLength(4);
      expect(m.n_keys).toBe(8);
    }
    const probabilities = trace.predictions.map((p) => p.probability);
    expect(probabilities).toEqual([...probabilities].sort((a, b) => b - a));
    await t.ok({ type: 'step', count: 2 });
    // A snapshot carries a trace only when it was refreshed: take the latest one.
    const refreshed = t
      .snapshots()
      .flatMap((snap) => (snap.trace ? [snap.trace] : []))
      .at(-1)!;
    expect(refreshed.step).toBe(2);
    expect(refreshed.layers[0].trace.input).not.toEqual(trace.layers[0].trace.input);
    // The same token traced directly gives the same lookup.
    const direct = await t.ok({ type: 'trace', text: 'Kavo lives in Oslo.', position: 14 });
    expect(direct.layers[1].trace.heads[1].slots).toEqual(refreshed.layers[1].trace.heads[1].slots);
    expect(await t.ok({ type: 'select', selection: null })).toBeNull();
    await t.ok({ type: 'step' });
    expect(t.snapshots().at(-1)!.trace).toBeNull();
  });

  it('generates text, streaming it through events', async () => {
    const t = await session();
    const result = await t.ok({ type: 'generate', id: 7, prompt: 'Kavo', maxTokens: 12, temperature: 0 });
    expect(result.tokens).toHaveLength(12);
    const streamed = t.events.flatMap((e) => (e.type === 'generated' && e.id === 7 ? [e] : []));
    expect(streamed.at(-1)!.done).toBe(true);
    expect(streamed.map((e) => e.text).join('')).toBe(result.text);
    const again = await t.ok({ type: 'generate', prompt: 'Kavo', maxTokens: 12, temperature: 0 });
    expect(again.text).toBe(result.text);
  });
});

describe('EngineSession: tensor hygiene', () => {
  it('keeps numTensors flat over many steps, evaluations, traces and snapshots', async () => {
    const t = await session();
    await t.ok({
      type: 'setOptions',
      options: { evalEvery: 10, evalBatches: 1, snapshotHz: 60, usageHz: 5 },
    });
    await t.ok({ type: 'select', selection: { text: 'hello world', position: 3, layer: null } });
    await t.ok({ type: 'step', count: 10 });
    const baseline = tf.memory().numTensors;
    await t.ok({ type: 'step', count: 60 });
    await t.ok({ type: 'start' });
    await sleep(500);
    await t.ok({ type: 'pause' });
    await t.ok({ type: 'trace', text: 'hello', position: 1 });
    await t.ok({ type: 'generate', prompt: 'a', maxTokens: 3, temperature: 1 });
    await t.ok({ type: 'saveCheckpoint' });
    expect(tf.memory().numTensors).toBe(baseline);
    const snaps = t.snapshots().slice(-5);
    // While training, one step's stats tensor is outstanding (read a step later); paused, none.
    for (const s of snaps) expect(s.tfMemory.numTensors - baseline).toBe(s.state === 'running' ? 1 : 0);
    expect(snaps.at(-1)!.tfMemory.numTensors).toBe(baseline);
  });
});
