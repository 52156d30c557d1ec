import { afterEach, describe, expect, it } from 'vitest';
import { appTrainingEngine, type TrainingEngineHook } from '../../../bench/browser/trainingEngine';
import { TINY } from '../engine/harness';
import { PortWorker } from '../engine/portWorker';

/** The bench's fps hook drives the app's real engine (served over a MessageChannel, wasm). */

let hook: TrainingEngineHook | null = null;
const workers: PortWorker[] = [];
const newWorker = () => {
  const worker = new PortWorker();
  workers.push(worker);
  return worker;
};
afterEach(() => {
  hook?.close();
  hook = null;
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('appTrainingEngine (the fps measurement over EngineClient)', () => {
  it('trains the given model, counts the steps between start and stop, resumes, and closes the worker', async () => {
    hook = appTrainingEngine('wasm', TINY, newWorker);
    expect(hook.description).toContain('not started');
    await hook.start();
    expect(hook.description).toContain('wasm');
    expect(hook.description).toContain('2 layers, d_model 16, 64 product-key slots in layer 1');
    await sleep(300);
    const first = await hook.stop();
    expect(first.steps).toBeGreaterThan(0);
    const worker = workers.at(-1)!;
    await hook.start();
    await sleep(200);
    const second = await hook.stop();
    expect(second.steps).toBeGreaterThan(0);
    hook.close();
    expect(worker.terminated).toBe(true);
    await expect(hook.stop()).rejects.toThrow('the engine is not running');
  }, 60_000);

  it('refuses an invalid model with the engine’s own message', async () => {
    hook = appTrainingEngine('wasm', { ...TINY, n_keys: 1 }, newWorker);
    await expect(hook.start()).rejects.toThrow(/n_keys/);
    expect(workers.at(-1)?.terminated).toBe(true);
  }, 30_000);
});
