import { afterEach, describe, expect, test } from 'vitest';
import type { EngineConnection } from '../../../src/app/engineConnection';
import { presetVariants } from '../../../src/app/lab/compare/presets';
import { runComparison } from '../../../src/app/lab/compare/runComparison';
import { currentHistory, loadRunIntoApp } from '../../../src/app/lab/savedRuns/runHistory';
import { useCompareStore } from '../../../src/state/compareStore';
import { useConfigStore } from '../../../src/state/configStore';
import { useEngineStore } from '../../../src/state/engineStore';
import { useRunDataStore } from '../../../src/state/runDataStore';
import { startEngine, TINY_CONFIG } from './engineHarness';

let engine: EngineConnection | null = null;
afterEach(() => {
  engine?.dispose();
  engine = null;
  useCompareStore.setState({ comparisons: [], progress: null, cancelRequested: false });
});

async function status(e: EngineConnection) {
  return e.request({ type: 'status' });
}

describe('compare runs on the real engine (wasm)', () => {
  test('trains each variant for the same steps, records curves, then brings the user run back', async () => {
    engine = await startEngine();
    await engine.step(3);
    const before = await status(engine);
    expect(before.step).toBe(3);
    const lossesBefore = useRunDataStore.getState().data.losses.length;

    const variants = presetVariants('memory', TINY_CONFIG).slice(0, 2);
    const c = await runComparison(engine, {
      title: 'memory vs baseline',
      variants,
      steps: 5,
      evalEvery: 2,
      maxBatch: 2,
    });
    expect(c.status).toBe('done');
    const [memory, baseline] = c.runs;
    for (const run of [memory, baseline]) {
      expect(run.status).toBe('done');
      expect(run.train.steps).toEqual([1, 2, 3, 4, 5]);
      expect(run.train.loss.every(Number.isFinite)).toBe(true);
      // Validation at every multiple of 2 and at the end (no step-0 point without recall).
      expect(run.val.map((v) => v.step)).toEqual([2, 4, 5]);
      expect(run.stepsDone).toBe(5);
      expect(run.parameters).toBeGreaterThan(0);
    }
    expect(memory.coverage.map((p) => p.step)).toEqual([2, 4, 5]);
    expect(memory.coverage[0].usage).toBeGreaterThan(0);
    expect(memory.coverage[0].layer).toBe(1);
    expect(baseline.coverage).toEqual([]);
    // Same seed and data: the first training loss differs only by the architecture.
    expect(memory.train.loss[0]).not.toBe(baseline.train.loss[0]);

    // The user's run is back: its step, config, options, and the figures' history.
    const after = await status(engine);
    expect(after.step).toBe(3);
    expect(after.config).toEqual(before.config);
    expect(after.options).toEqual(before.options);
    expect(useEngineStore.getState().model?.step).toBe(3);
    expect(useRunDataStore.getState().data.step).toBe(3);
    expect(useRunDataStore.getState().data.losses.length).toBe(lossesBefore);
    expect(useCompareStore.getState().progress).toBeNull();
    expect(useCompareStore.getState().comparisons[0].id).toBe(c.id);
  });

  test('the same comparison twice gives the same curves (same seed and data)', async () => {
    engine = await startEngine();
    const variants = presetVariants('memory', TINY_CONFIG).slice(0, 1);
    const a = await runComparison(engine, { title: 'a', variants, steps: 3, evalEvery: 3 });
    const b = await runComparison(engine, { title: 'b', variants, steps: 3, evalEvery: 3 });
    expect(b.runs[0].train.loss).toEqual(a.runs[0].train.loss);
    expect(b.runs[0].val).toEqual(a.runs[0].val);
  });

  test('cancel stops at the next batch, keeps what ran and restores an untrained user run', async () => {
    engine = await startEngine();
    const variants = presetVariants('query-norm', TINY_CONFIG);
    const pending = runComparison(engine, {
      title: 'norms',
      variants,
      steps: 400,
      evalEvery: 100,
      maxBatch: 2,
    });
    // Cancel once the first run has trained a little.
    const cancelled = new Promise<void>((resolve) => {
      const off = useCompareStore.subscribe((s) => {
        if ((s.progress?.done ?? 0) >= 4) {
          off();
          s.requestCancel(true);
          resolve();
        }
      });
    });
    await cancelled;
    const c = await pending;
    expect(c.status).toBe('cancelled');
    expect(c.message).toMatch(/Cancelled/);
    expect(c.runs[0].status).toBe('cancelled');
    expect(c.runs[0].train.steps.length).toBeGreaterThanOrEqual(4);
    expect(c.runs[0].train.steps.length).toBeLessThan(400);
    expect(c.runs.slice(1).every((r) => r.status === 'cancelled' && r.train.steps.length === 0)).toBe(true);
    const s = await status(engine);
    expect(s.step).toBe(0);
    expect(s.config).toEqual(useConfigStore.getState().config);
  });

  test('a variant that cannot be built fails alone; the others still run', async () => {
    engine = await startEngine();
    await engine.request({ type: 'setOptions', options: { memoryCapBytes: 3_000_000 } });
    const variants = [
      ...presetVariants('memory', TINY_CONFIG).slice(1, 2),
      // 256² slots × d 16 values, with Adam: over the 3 MB cap.
      ...presetVariants('memory', { ...TINY_CONFIG, n_keys: 256 }).slice(0, 1),
    ];
    const c = await runComparison(engine, { title: 'cap', variants, steps: 2, evalEvery: 2 });
    expect(c.status).toBe('done');
    expect(c.runs[0].status).toBe('done');
    expect(c.runs[1].status).toBe('failed');
    expect(c.runs[1].error).toMatch(/^This config needs about .* over the limit of/);
  });
});

describe('saved runs through the real engine', () => {
  test('a saved checkpoint with its history loads back as the user run', async () => {
    engine = await startEngine();
    await engine.step(4);
    const file = await engine.request({ type: 'saveCheckpoint' });
    const history = currentHistory();
    expect(history!.losses.loss.length).toBe(4);
    await engine.reset();
    expect((await status(engine)).step).toBe(0);
    useConfigStore.setState({ config: { ...TINY_CONFIG, knn: 2 } });

    const info = await loadRunIntoApp(engine, { bytes: file.bytes, history, comparisons: [] });
    expect(info.step).toBe(4);
    expect(useConfigStore.getState().config).toEqual(TINY_CONFIG);
    const data = useRunDataStore.getState().data;
    expect(data.step).toBe(4);
    expect(Array.from(data.losses.loss.subarray(0, data.losses.length))).toEqual(
      Array.from(history!.losses.loss),
    );
    // Training continues from step 5.
    await engine.step(1);
    expect((await status(engine)).step).toBe(5);
  });

  test('a run saved before its first step loads by rebuilding its config', async () => {
    engine = await startEngine();
    const file = await engine.request({ type: 'saveCheckpoint' });
    expect(file.step).toBe(0);
    await engine.step(2);
    const info = await loadRunIntoApp(engine, { bytes: file.bytes, history: null, comparisons: [] });
    expect(info.step).toBe(0);
    expect((await status(engine)).step).toBe(0);
  });

  test('a file that is not a checkpoint is refused with the format error and the run stays', async () => {
    engine = await startEngine();
    await engine.step(1);
    await expect(
      loadRunIntoApp(engine, {
        bytes: new TextEncoder().encode('not a checkpoint'),
        history: null,
        comparisons: [],
      }),
    ).rejects.toMatchObject({ kind: 'format' });
    expect((await status(engine)).step).toBe(1);
  });
});
