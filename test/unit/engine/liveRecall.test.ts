/**
 * The live recall curve: fact recall measured every `recallEvery` steps on the knowledge corpus,
 * sent in snapshots, kept in checkpoints (old files without it still load), cleared by reset.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { decodeCheckpoint, decodeCheckpointHistory, encodeCheckpoint } from '../../../src/engine/checkpoint';
import type { RecallPoint, Snapshot } from '../../../src/engine/protocol';
import { RecallLog } from '../../../src/engine/recallLog';
import { RECALL_PROBES } from '../../../src/engine/run';
import { type TestSession, tinySession } from './harness';

let open: TestSession[] = [];
async function session(): Promise<TestSession> {
  const t = await tinySession();
  open.push(t);
  // Validation off: only recall runs between steps here.
  await t.ok({ type: 'setOptions', options: { recallEvery: 4, evalEvery: 0 } });
  return t;
}
afterEach(async () => {
  for (const t of open) {
    await t.send({ type: 'pause' });
    await t.send({ type: 'init', backend: 'wasm' });
  }
  open = [];
});

/** Every recall point the snapshots carried, in order. */
const sentRecall = (snapshots: Snapshot[]): RecallPoint[] => snapshots.flatMap((s) => s.recall);

/** The points as float32 holds them (the checkpoint's precision). */
const asStored = (points: RecallPoint[]) =>
  points.map((p) => ({
    step: p.step,
    accuracy: Math.fround(p.accuracy),
    answerLoss: Math.fround(p.answerLoss),
  }));

function expectMeasured(points: RecallPoint[], steps: number[]): void {
  expect(points.map((p) => p.step)).toEqual(steps);
  for (const p of points) {
    // A fraction of RECALL_PROBES facts, and a real cross-entropy over the answer bytes.
    expect(p.accuracy).toBeGreaterThanOrEqual(0);
    expect(p.accuracy).toBeLessThanOrEqual(1);
    expect(p.accuracy * RECALL_PROBES).toBeCloseTo(Math.round(p.accuracy * RECALL_PROBES), 6);
    expect(p.answerLoss).toBeGreaterThan(0);
  }
}

describe('live fact recall', () => {
  it('is measured every recallEvery steps, sent once each, and an evaluate adds its point', async () => {
    const t = await session();
    await t.ok({ type: 'step', count: 9 });
    const sent = sentRecall(t.snapshots());
    expectMeasured(sent, [4, 8]);
    // Training as the app does (start/pause) measures on the same schedule.
    await t.ok({ type: 'setOptions', options: { recallEvery: 3 } });
    await t.ok({ type: 'start' });
    await t.until(() => sentRecall(t.snapshots()).some((p) => p.step >= 12));
    await t.ok({ type: 'pause' });
    const status = await t.ok({ type: 'status' });
    const all = sentRecall(t.snapshots());
    const periodic = Array.from({ length: Math.floor(status.step / 3) - 3 }, (_, i) => 12 + 3 * i);
    expectMeasured(all, [4, 8, ...periodic]);

    const report = await t.ok({ type: 'evaluate' });
    expect(report.recall!.probes).toBe(RECALL_PROBES);
    await t.ok({ type: 'step', count: 1 });
    const explicit = sentRecall(t.snapshots()).find((p) => p.step === status.step)!;
    expect(explicit).toEqual({
      step: status.step,
      accuracy: report.recall!.accuracy,
      answerLoss: report.recall!.answerLoss,
    });
  });

  it('survives a checkpoint round trip and goes on from there; reset clears it', async () => {
    const a = await session();
    await a.ok({ type: 'step', count: 8 });
    const measured = sentRecall(a.snapshots());
    expectMeasured(measured, [4, 8]);
    const bytes = (await a.ok({ type: 'saveCheckpoint' })).bytes.slice();
    expect(decodeCheckpoint(bytes).recall).toEqual(asStored(measured));
    // The app's light reader (saved runs, the shipped run) sees the same without the weights.
    expect(decodeCheckpointHistory(bytes).recall).toEqual(asStored(measured));

    const b = await session();
    await b.ok({ type: 'loadCheckpoint', bytes });
    await b.ok({ type: 'step', count: 4 });
    expectMeasured(sentRecall(b.snapshots()), [12]);
    const again = decodeCheckpoint((await b.ok({ type: 'saveCheckpoint' })).bytes);
    expect(again.recall!.slice(0, 2)).toEqual(asStored(measured));
    expect(again.recall!.map((p) => p.step)).toEqual([4, 8, 12]);

    await b.ok({ type: 'reset' });
    expect(decodeCheckpoint((await b.ok({ type: 'saveCheckpoint' })).bytes).recall).toBeNull();
  });

  it('is off with recallEvery 0 and on the user’s own text, which has no facts', async () => {
    const t = await session();
    await t.ok({ type: 'setOptions', options: { recallEvery: 0 } });
    await t.ok({ type: 'step', count: 4 });
    expect(sentRecall(t.snapshots())).toEqual([]);
    await t.ok({ type: 'setOptions', options: { recallEvery: 2 } });
    const text = 'Some text of my own, long enough to train on for a few steps. '.repeat(40);
    await t.ok({
      type: 'setCorpus',
      corpus: { kind: 'user', bytes: new TextEncoder().encode(text), name: 'mine.txt' },
    });
    await t.ok({ type: 'step', count: 4 });
    expect(sentRecall(t.snapshots())).toEqual([]);
    expect((await t.ok({ type: 'evaluate' })).recall).toBeUndefined();
  });

  it('refuses a recall option out of range', async () => {
    const t = await session();
    const reply = await t.send({ type: 'setOptions', options: { recallEvery: 2.5 } });
    expect(reply.ok).toBe(false);
    if (!reply.ok) expect(reply.error.message).toMatch(/recallEvery must be an integer from 0/);
  });
});

describe('recall history in the checkpoint file', () => {
  it('old files without it load; a compact file keeps it exact; bad rows are refused by name', async () => {
    const t = await session();
    await t.ok({ type: 'step', count: 4 });
    const c = decodeCheckpoint((await t.ok({ type: 'saveCheckpoint' })).bytes);
    expect(c.recall).toHaveLength(1);
    // A file made before the live recall curve.
    const old = decodeCheckpoint(encodeCheckpoint({ ...c, recall: undefined }));
    expect(old.recall).toBeNull();
    expect(old.step).toBe(4);
    const compact = decodeCheckpoint(encodeCheckpoint(c, { compact: true }));
    expect(compact.recall).toEqual(c.recall);

    const bad = (recall: RecallPoint[]) => () => decodeCheckpoint(encodeCheckpoint({ ...c, recall }));
    expect(bad([{ step: 5, accuracy: 0.5, answerLoss: 1 }])).toThrow(/history\.recall step 5 .* up to 4/);
    expect(
      bad([
        { step: 3, accuracy: 0.5, answerLoss: 1 },
        { step: 2, accuracy: 0.5, answerLoss: 1 },
      ]),
    ).toThrow(/history\.recall step 2 is not a whole step after the previous one/);
    expect(bad([{ step: 3, accuracy: 1.5, answerLoss: 1 }])).toThrow(
      /history\.recall at step 3: accuracy 1\.5/,
    );
  });
});

describe('RecallLog', () => {
  it('keeps steps ascending: a re-measured step replaces its point, an earlier one drops the later', () => {
    const log = new RecallLog();
    expect(log.saved()).toBeNull();
    log.reset(9, [
      { step: 4, accuracy: 0.1, answerLoss: 3 },
      { step: 8, accuracy: 0.2, answerLoss: 2 },
      { step: 12, accuracy: 0.3, answerLoss: 1 },
    ]);
    expect(log.saved()!.map((p) => p.step)).toEqual([4, 8]);
    log.add({ step: 8, accuracy: 0.25, answerLoss: 2 });
    expect(log.saved()!.map((p) => [p.step, p.accuracy])).toEqual([
      [4, 0.1],
      [8, 0.25],
    ]);
    log.add({ step: 6, accuracy: 0.15, answerLoss: 2.5 });
    expect(log.saved()!.map((p) => p.step)).toEqual([4, 6]);
  });
});
