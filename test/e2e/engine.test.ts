import { afterAll, beforeAll, expect, test } from 'vitest';
import type { ModelConfig } from '../../src/model/config';
import { type OpenPage, openPage } from './browser';
import { serveEnginePage } from './enginePage';
import type { EngineTestRecords } from './enginePage/main';

/** Tiny enough for software WebGPU (SwiftShader) to take a step in about a second. */
const TINY: Partial<ModelConfig> = {
  d_model: 32,
  layers: 2,
  attn_heads: 2,
  context: 16,
  ffn_mult: 2,
  mem_layers: [1],
  n_keys: 16,
  knn: 4,
  heads: 2,
  k_dim: 16,
  batch: 4,
  lr: 1e-2,
  value_lr: 1e-2,
  warmup: 4,
  seed: 5,
};
const SNAPSHOT_HZ = 10;
const STEPS = 24;

let server: Awaited<ReturnType<typeof serveEnginePage>>;
let session: OpenPage;

beforeAll(async () => {
  server = await serveEnginePage();
  session = await openPage(server.url);
  await session.page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready', null, {
    timeout: 30_000,
  });
});
afterAll(async () => {
  await session?.close();
  await server?.close();
});

const records = () => session.page.evaluate(() => window.engineTest.records()) as Promise<EngineTestRecords>;

test('the engine warms up on WebGPU, trains a tiny model, streams bounded snapshots, keeps the page responsive', async () => {
  const { page } = session;
  // Only a software adapter here: 'auto' would pick wasm, so the WebGPU path is asked for.
  const backend = await page.evaluate(() => window.engineTest.start('webgpu'));
  console.log(`e2e engine: backend ${backend?.backend} (${backend?.adapter?.description})`);
  expect(backend?.backend).toBe('webgpu');
  const started = performance.now();
  const info = await page.evaluate(
    ([config, hz]) =>
      window.engineTest.client.configure(config, {
        snapshotHz: hz,
        usageHz: hz,
        evalEvery: 0,
        checkpointEveryMs: 5_000,
      }),
    [TINY, SNAPSHOT_HZ] as const,
  );
  console.log(
    `e2e engine: warm-up ${(performance.now() - started).toFixed(0)} ms (build ${info.warmup.buildMs.toFixed(0)}, ` +
      `compile ${info.warmup.compileMs.toFixed(0)}, ${info.warmup.steps} steps ${info.warmup.firstStepsMs.toFixed(0)})`,
  );
  const warm = await records();
  // 'steps' as the warm-up steps begin, then after each (one step: it runs every pipeline).
  expect(warm.warmup.map((w) => w.phase)).toEqual(['build', 'compile', 'steps', 'steps', 'done']);
  expect(info.warmup.steps).toBe(1);

  const trainStart = performance.now();
  const [fps] = await Promise.all([
    page.evaluate(async () => {
      const measured = window.engineTest.measureFps(4_000);
      await window.engineTest.client.start();
      return measured;
    }),
  ]);
  await expect
    .poll(async () => (await records()).snapshots.at(-1)?.step ?? 0, { timeout: 120_000, interval: 250 })
    .toBeGreaterThanOrEqual(STEPS);
  const status = await page.evaluate(() => window.engineTest.client.pause());
  const seconds = (performance.now() - trainStart) / 1000;
  console.log(
    `e2e engine: ${status.step} steps in ${seconds.toFixed(1)} s (${(status.step / seconds).toFixed(2)} steps/s), ` +
      `main thread ${fps.fps.toFixed(1)} frames/s while training (longest frame ${fps.longestFrameMs.toFixed(0)} ms)`,
  );
  expect(fps.fps).toBeGreaterThan(5);

  const r = await records();
  const snaps = r.snapshots.filter((s) => s.step > 0);
  // Every step's loss arrives exactly once, in order.
  const losses: number[] = [];
  for (const s of snaps) {
    if (s.losses.length === 0) continue;
    expect(s.lossStart).toBe(losses.length + 1);
    losses.push(...s.losses);
  }
  expect(losses).toHaveLength(status.step);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  console.log(
    `e2e engine: loss ${mean(losses.slice(0, 4)).toFixed(3)} → ${mean(losses.slice(-4)).toFixed(3)}`,
  );
  expect(mean(losses.slice(-4))).toBeLessThan(mean(losses.slice(0, 4)) - 0.1);
  // Bounded rate: at most snapshotHz per second (plus the final one on pause).
  const span = (snaps.at(-1)!.at - snaps[0].at) / 1000;
  expect(snaps.length).toBeLessThanOrEqual(Math.ceil(span * SNAPSHOT_HZ) + 2);
  // The usage counts grow and change.
  const usage = snaps.flatMap((s) => s.usage ?? []);
  expect(usage.length).toBeGreaterThan(2);
  expect(usage.at(-1)!.sum).toBeGreaterThan(usage[0].sum);
  expect(usage.at(-1)!.tokens).toBe(status.step * 4 * 16);
  expect(usage.at(-1)!.head0).not.toEqual(usage[0].head0);
  // No tensor leaks while training: one step's stats are outstanding while running (read a step
  // later), none once paused.
  const tensors = snaps.filter((s) => s.step >= 3).map((s) => s.numTensors - (s.state === 'running' ? 1 : 0));
  console.log(
    `e2e engine: numTensors ${Math.min(...tensors)}–${Math.max(...tensors)} over ${tensors.length} snapshots`,
  );
  expect(new Set(tensors).size).toBe(1);
  expect(snaps.at(-1)!.state).toBe('paused');
  expect(session.errors).toEqual([]);
});

test('a NaN loss stops training with a message and keeps the weights of the last good step', async () => {
  const { page } = session;
  const result = await page.evaluate(async () => {
    const { client } = window.engineTest;
    const before = await client.saveCheckpoint();
    await client.debug('nan-next-step');
    await client.start();
    const deadline = performance.now() + 60_000;
    while (!window.engineTest.records().faults.some((f) => f.kind === 'diverged')) {
      if (performance.now() > deadline) throw new Error('no diverged fault');
      await new Promise((r) => setTimeout(r, 100));
    }
    const status = await client.status();
    const after = await client.saveCheckpoint();
    return {
      fault: window.engineTest.records().faults.find((f) => f.kind === 'diverged')!,
      state: status.state,
      stepBefore: before.step,
      stepAfter: status.step,
      same: window.engineTest.sameWeights(before.bytes, after.bytes),
    };
  });
  expect(result.fault).toMatchObject({ kind: 'diverged', recovery: 'paused', backend: 'webgpu' });
  expect(result.fault.message).toMatch(/the loss is NaN\. The step was not applied/);
  expect(result.state).toBe('faulted');
  expect(result.stepAfter).toBe(result.stepBefore);
  expect(result.same).toBe(true);
});

test('a lost WebGPU device restarts the engine on another backend from the last good weights', async () => {
  const { page } = session;
  const result = await page.evaluate(async () => {
    const { client } = window.engineTest;
    const saved = await client.saveCheckpoint();
    // The recovery copy the client keeps comes from the worker: make sure it is current.
    await client.step(1);
    await client.pause();
    const kept = client.lastCheckpoint!;
    await client.debug('lose-device');
    const deadline = performance.now() + 120_000;
    const faults = () => window.engineTest.records().faults.filter((f) => f.kind === 'device-lost');
    while (!faults().some((f) => f.recovery === 'restarted' || f.recovery === 'none')) {
      if (performance.now() > deadline) throw new Error('no recovery');
      await new Promise((r) => setTimeout(r, 200));
    }
    const status = await client.status();
    const steps = await client.step(2);
    return {
      faults: faults(),
      savedStep: saved.step,
      keptStep: kept.step,
      backend: status.backend,
      step: status.step,
      config: status.config,
      steps,
    };
  });
  console.log(
    `e2e engine: device lost → ${result.faults.map((f) => f.recovery).join(' → ')} on ${result.backend?.backend}`,
  );
  expect(result.faults.map((f) => f.recovery)).toEqual(['restarting', 'restarted']);
  expect(result.faults[0].message).toMatch(/GPU device was lost/);
  expect(result.backend?.backend).not.toBe('webgpu');
  expect(result.backend?.fallbacks[0]).toMatchObject({
    backend: 'webgpu',
    reason: expect.stringMatching(/failed earlier/),
  });
  expect(result.step).toBe(result.keptStep);
  expect(result.keptStep).toBe(result.savedStep + 1);
  expect(result.config).toMatchObject({ d_model: 32, n_keys: 16 });
  expect(result.steps.map((s) => s.step)).toEqual([result.keptStep + 1, result.keptStep + 2]);
  expect(result.steps.every((s) => Number.isFinite(s.loss))).toBe(true);
});

test('a crashed worker is replaced by a new one on the same backend, training state kept', async () => {
  const { page } = session;
  const result = await page.evaluate(async () => {
    const { client } = window.engineTest;
    const before = await client.status();
    await client.start({ kind: 'slow', intervalMs: 1_000 });
    const crashed = window.engineTest.records().faults.length;
    await client.debug('crash').catch(() => undefined);
    const deadline = performance.now() + 60_000;
    const faults = () => window.engineTest.records().faults.slice(crashed);
    while (!faults().some((f) => f.recovery === 'restarted' || f.recovery === 'none')) {
      if (performance.now() > deadline) throw new Error('no recovery');
      await new Promise((r) => setTimeout(r, 100));
    }
    const after = await client.status();
    await client.pause();
    return { faults: faults(), before, after };
  });
  console.log(
    `e2e engine: worker crash on ${result.before.backend?.backend} → restarted on ${result.after.backend?.backend}`,
  );
  expect(result.faults.map((f) => [f.kind, f.recovery])).toEqual([
    ['worker-crashed', 'restarting'],
    ['worker-crashed', 'restarted'],
  ]);
  // A plain JS crash is not the backend's fault (here wasm, after the lost device above).
  expect(result.before.backend?.backend).toBe('wasm');
  expect(result.after.backend?.backend).toBe('wasm');
  expect(result.after.backend?.fallbacks.map((f) => f.backend)).not.toContain('wasm');
  expect(result.after.state).toBe('slow');
  expect(result.after.step).toBeGreaterThanOrEqual(result.before.step);
  expect(result.after.config).toEqual(result.before.config);
  // Faults are reported through events, not as page errors.
  expect(session.errors).toEqual([]);
});
