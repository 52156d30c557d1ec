import 'fake-indexeddb/auto';
import { afterEach, describe, expect, test } from 'vitest';
import type { EngineConnection } from '../../../src/app/engineConnection';
import { Autosave, checkForAutosave } from '../../../src/app/keepWork/autosave';
import { undoReset } from '../../../src/app/keepWork/resetUndo';
import { useWorkStore } from '../../../src/app/keepWork/workStore';
import { loadRunIntoApp } from '../../../src/app/lab/savedRuns/runHistory';
import { AUTOSAVE_ID, openRunStorage } from '../../../src/app/lab/savedRuns/runStorage';
import { useEngineStore } from '../../../src/state/engineStore';
import { usedFraction } from '../../../src/state/runData';
import { useRunDataStore } from '../../../src/state/runDataStore';
import { startEngine } from './engineHarness';

let engine: EngineConnection | null = null;
let stop: (() => void) | null = null;
afterEach(() => {
  stop?.();
  stop = null;
  engine?.dispose();
  engine = null;
  useWorkStore.setState({ offer: null, undo: null, autosaved: null, problem: null });
});

const data = () => useRunDataStore.getState().data;

describe('work is not lost', () => {
  test('a reset of a trained run can be undone: weights, step, losses and usage come back', async () => {
    engine = await startEngine();
    await engine.step(4);
    const before = data();
    expect(before.losses.length).toBe(4);
    expect(usedFraction(before.usage?.[0] ?? null)).toBeGreaterThan(0);
    await engine.reset();
    expect(data().step).toBe(0);
    expect(useWorkStore.getState().undo?.step).toBe(4);
    await undoReset(engine);
    expect(useWorkStore.getState().undo).toBeNull();
    expect(useEngineStore.getState().model?.step).toBe(4);
    expect(data().step).toBe(4);
    expect(Array.from(data().losses.loss.subarray(0, 4))).toEqual(
      Array.from(before.losses.loss.subarray(0, 4)),
    );
    expect(usedFraction(data().usage?.[0] ?? null)).toBe(usedFraction(before.usage?.[0] ?? null));
    // Training goes on from step 4.
    await engine.step(1);
    expect(data().step).toBe(5);
    // A fresh model loses nothing: no undo is offered for it.
    await engine.reset();
    useWorkStore.setState({ undo: null });
    await engine.reset();
    expect(useWorkStore.getState().undo).toBeNull();
  });

  test('a checkpoint loaded from a file keeps its loss curve and usage map', async () => {
    engine = await startEngine();
    await engine.step(3);
    const losses = Array.from(data().losses.loss.subarray(0, 3));
    const used = usedFraction(data().usage?.[0] ?? null);
    const file = await engine.request({ type: 'saveCheckpoint' });
    await engine.reset();
    await loadRunIntoApp(engine, { bytes: file.bytes, history: null, comparisons: [] });
    expect(data().step).toBe(3);
    expect(Array.from(data().losses.steps.subarray(0, data().losses.length))).toEqual([1, 2, 3]);
    expect(Array.from(data().losses.loss.subarray(0, 3))).toEqual(losses);
    expect(usedFraction(data().usage?.[0] ?? null)).toBe(used);
  });

  test('a backend switch keeps the usage counts: they go on growing from where they were', async () => {
    engine = await startEngine();
    await engine.step(3);
    const before = data().usage![0];
    expect(await engine.switchBackend('wasm')).toBe(true);
    await engine.step(2);
    const after = data().usage![0];
    expect(after.tokens).toBe((before.tokens * 5) / 3);
    // Every slot read before the switch still counts.
    expect(before.counts.total.every((c, s) => c === 0 || after.counts.total[s] >= c)).toBe(true);
  });

  test('the live run is autosaved once trained, and offered on the next visit', async () => {
    engine = await startEngine();
    const autosave = new Autosave(60_000);
    stop = autosave.start(engine);
    const storage = await openRunStorage();
    await storage.remove(AUTOSAVE_ID);
    // Single steps end paused: their checkpoint is written at once.
    await engine.step(2);
    await expect.poll(async () => (await storage.autosaved())?.step, { timeout: 10_000 }).toBe(2);
    await checkForAutosave();
    expect(useWorkStore.getState().offer).toMatchObject({ id: AUTOSAVE_ID, step: 2 });
    // While the offer is open, the earlier run is not overwritten.
    await engine.step(1);
    await new Promise((r) => setTimeout(r, 300));
    expect((await storage.autosaved())?.step).toBe(2);
    const run = await storage.load(AUTOSAVE_ID);
    expect(run.history?.losses.loss.length).toBe(2);
  });
});
