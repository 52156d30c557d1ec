import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { continuedRunData } from '../../../src/app/precomputed/continueRun';
import runJson from '../../../src/app/precomputed/defaultRun.json';
import { decodeCheckpointHistory } from '../../../src/engine/checkpoint';
import { openSession, type TestSession } from './harness';

const FILE = 'src/app/precomputed/defaultRun.checkpoint.safetensors';
let open: TestSession | null = null;
afterEach(async () => {
  await open?.send({ type: 'init', backend: 'wasm' });
  open = null;
});

describe('the precomputed run’s checkpoint, shipped with the app', () => {
  const bytes = new Uint8Array(readFileSync(FILE));

  it('is compact and is the run the JSON describes: step, every loss, usage counts', () => {
    // F16 weights, BF16 moments: a fraction of the float32 checkpoint (~15 MB).
    expect(bytes.byteLength).toBeLessThan(8 * 2 ** 20);
    const h = decodeCheckpointHistory(bytes);
    expect(h.step).toBe(runJson.steps);
    expect(h.losses!.start).toBe(1);
    expect(Array.from(h.losses!.loss, (l) => Number(l.toFixed(4)))).toEqual(runJson.losses);
    expect(h.usage!.layers.map((u) => [u.layer, u.tokens])).toEqual(
      runJson.usage.map((u) => [u.layer, u.tokens]),
    );
    const data = continuedRunData(bytes, runJson.steps);
    expect(data).toMatchObject({ source: 'live', step: runJson.steps });
    expect(data.losses.length).toBe(runJson.steps);
    expect(data.val.at(-1)).toEqual({ step: runJson.steps, loss: runJson.evals.at(-1)!.loss });
    expect(data.usage![0].counts.max).toBeGreaterThan(0);
    // The recall curve goes on from the shipped run's (its file's history, or else its JSON's).
    expect(data.recall.length).toBeGreaterThan(0);
    expect(data.recall.at(-1)!.step).toBe(runJson.steps);
  });

  it('loads into the engine at its step, with its validation loss, and training goes on from there', async () => {
    open = openSession();
    await open.ok({ type: 'init', backend: 'wasm' });
    const info = await open.ok({ type: 'loadCheckpoint', bytes, backend: 'wasm' });
    expect(info).toMatchObject({ step: runJson.steps, optimizerRestored: true, config: { backend: 'wasm' } });
    const report = await open.ok({ type: 'evaluate', recall: false });
    expect(Math.abs(report.loss - runJson.evals.at(-1)!.loss)).toBeLessThan(0.02);
    const [next] = await open.ok({ type: 'step', count: 1 });
    expect(next.step).toBe(runJson.steps + 1);
    // A trained model's loss, not a fresh one's (~5.5).
    expect(Math.abs(next.loss - runJson.losses.at(-1)!)).toBeLessThan(0.4);
  });
});
