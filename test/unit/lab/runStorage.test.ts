import 'fake-indexeddb/auto';
import { afterEach, describe, expect, test } from 'vitest';
import { newComparison } from '../../../src/app/lab/compare/results';
import {
  AUTOSAVE_ID,
  RunStorage,
  runNameProblem,
  StorageError,
} from '../../../src/app/lab/savedRuns/runStorage';
import { DEFAULT_CONFIG } from '../../../src/model/config';
import { evalReport } from '../state/fixtures';

let storage: RunStorage | null = null;
let dbCount = 0;
async function openFresh(): Promise<RunStorage> {
  storage = await RunStorage.open(`test-runs-${++dbCount}`);
  return storage;
}
afterEach(() => {
  storage?.close();
  storage = null;
});

const config = { ...DEFAULT_CONFIG, mem_layers: [2] };
const bytes = (n: number, fill: number) => new Uint8Array(n).fill(fill);

describe('saved runs in IndexedDB', () => {
  test('save lists newest first with name, date, step, config and size; load returns the same bytes and history', async () => {
    const s = await openFresh();
    const history = {
      losses: { steps: Float64Array.from([1, 2, 3]), loss: Float32Array.from([3, 2.5, 2.25]) },
      val: [{ step: 3, loss: 2.4 }],
      coverage: [],
      eval: evalReport(3, 2.4, [0, 1, 2, 3]),
    };
    const cmp = newComparison('c1', 'Memory vs baseline', [{ id: 'a', label: 'A', config, problem: null }], {
      steps: 10,
      evalEvery: 5,
    });
    const first = await s.save(
      { name: '  first run ', config, step: 3, bytes: bytes(64, 7), history, comparisons: [cmp] },
      1000,
    );
    const second = await s.save(
      { name: 'second', config: { ...config, knn: 4 }, step: 10, bytes: bytes(32, 9) },
      2000,
    );
    expect(first.name).toBe('first run');
    const list = await s.list();
    expect(list.map((r) => r.name)).toEqual(['second', 'first run']);
    expect(list[1]).toEqual({ id: first.id, name: 'first run', savedAt: 1000, step: 3, config, size: 64 });
    expect(list[0].config.knn).toBe(4);

    const loaded = await s.load(first.id);
    expect(loaded.meta).toEqual(first);
    expect(loaded.bytes).toBeInstanceOf(Uint8Array);
    expect(Array.from(loaded.bytes)).toEqual(Array.from(bytes(64, 7)));
    expect(loaded.history!.losses.loss).toBeInstanceOf(Float32Array);
    expect(Array.from(loaded.history!.losses.steps)).toEqual([1, 2, 3]);
    expect(loaded.history!.eval!.memories[0].metrics.usage).toBe(history.eval.memories[0].metrics.usage);
    expect(loaded.comparisons[0].title).toBe('Memory vs baseline');
    const other = await s.load(second.id);
    expect(other.history).toBeNull();
    expect(other.comparisons).toEqual([]);
    expect(other.bytes.length).toBe(32);
  });

  test('rename keeps everything else; delete removes the entry and its bytes', async () => {
    const s = await openFresh();
    const a = await s.save({ name: 'a', config, step: 1, bytes: bytes(8, 1) });
    const b = await s.save({ name: 'b', config, step: 2, bytes: bytes(8, 2) });
    const renamed = await s.rename(a.id, 'renamed');
    expect(renamed).toEqual({ ...a, name: 'renamed' });
    expect((await s.list()).find((r) => r.id === a.id)!.name).toBe('renamed');
    await s.remove(a.id);
    expect((await s.list()).map((r) => r.id)).toEqual([b.id]);
    await expect(s.load(a.id)).rejects.toThrow(/no longer exists/);
    await expect(s.rename(a.id, 'x')).rejects.toThrow(/no longer exists/);
  });

  test('runs persist when the database is opened again', async () => {
    const name = `test-runs-reopen-${++dbCount}`;
    const one = await RunStorage.open(name);
    const saved = await one.save({ name: 'kept', config, step: 5, bytes: bytes(16, 3) });
    one.close();
    storage = await RunStorage.open(name);
    expect((await storage.list()).map((r) => r.id)).toEqual([saved.id]);
    expect((await storage.load(saved.id)).bytes[0]).toBe(3);
  });

  test('bad names and empty checkpoints are refused with a clear message, nothing is stored', async () => {
    const s = await openFresh();
    expect(runNameProblem('   ')).toMatch(/needs a name/);
    expect(runNameProblem('x'.repeat(121))).toMatch(/too long \(121 characters, at most 120\)/);
    expect(runNameProblem('ok')).toBeNull();
    await expect(s.save({ name: ' ', config, step: 0, bytes: bytes(4, 0) })).rejects.toBeInstanceOf(
      StorageError,
    );
    await expect(s.save({ name: 'empty', config, step: 0, bytes: new Uint8Array(0) })).rejects.toThrow(
      /nothing to save/,
    );
    const a = await s.save({ name: 'a', config, step: 0, bytes: bytes(4, 0) });
    await expect(s.rename(a.id, '')).rejects.toThrow(/needs a name/);
    expect((await s.list()).map((r) => r.name)).toEqual(['a']);
  });
});

describe('the autosave', () => {
  test('is one record, overwritten in place, loadable and removable, and never listed as a saved run', async () => {
    const s = await openFresh();
    expect(await s.autosaved()).toBeNull();
    await s.save({ name: 'kept', config, step: 4, bytes: bytes(16, 1) }, 500);
    await s.autosave({ name: 'autosave · step 10', config, step: 10, bytes: bytes(24, 2) }, 1000);
    await s.autosave({ name: 'autosave · step 20', config, step: 20, bytes: bytes(40, 3) }, 2000);
    expect(await s.autosaved()).toMatchObject({ id: AUTOSAVE_ID, step: 20, savedAt: 2000, size: 40 });
    expect((await s.list()).map((m) => m.name)).toEqual(['kept']);
    const run = await s.load(AUTOSAVE_ID);
    expect(run.bytes).toEqual(bytes(40, 3));
    await s.remove(AUTOSAVE_ID);
    expect(await s.autosaved()).toBeNull();
    expect((await s.list()).map((m) => m.name)).toEqual(['kept']);
  });
});
