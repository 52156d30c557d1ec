import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { TrainingTap, tapModel } from '../../../src/engine/instrument';
import { createBatchSampler, knowledgeTextCorpus, type TokenBatch } from '../../../src/model/corpus/dataset';
import type { PkmMemoryModule } from '../../../src/model/memory/createMemory';
import {
  createTrainer,
  type StepResult,
  stepAndFlush,
  type Trainer,
  TrainingDivergedError,
} from '../../../src/model/training/trainer';
import { createModel, type PkmModel } from '../../../src/model/transformer';
import { tinyConfig } from '../model/tinyConfig';
import { useWasm } from '../model/wasmBackend';

beforeAll(useWasm);

const corpus = knowledgeTextCorpus({ seed: 4, entities: 12, repeats: 3 });
/** A memory block with BatchNorm queries: dense weights, value rows, value moments, running stats. */
const memConfig = (overrides = {}) =>
  tinyConfig({
    mem_layers: [1],
    n_keys: 16,
    knn: 4,
    heads: 2,
    k_dim: 8,
    value_lr: 5e-2,
    clip: 0.5,
    ...overrides,
  });

function batches(count: number, seed = 21): TokenBatch[] {
  const config = memConfig();
  const sampler = createBatchSampler(corpus.train, config.batch, config.context, seed);
  return Array.from({ length: count }, () => sampler.next());
}

/** Everything a step may change: weights (value rows, running stats), both optimisers, counters. */
async function fullState(model: PkmModel, trainer: Trainer) {
  const memory = model.memories[0] as PkmMemoryModule;
  return {
    weights: await model.readWeights(),
    dense: await trainer.readOptimizerState(),
    values: await memory.readValueOptimizerState(),
    steps: trainer.steps,
    valueStep: memory.valueStep,
  };
}

/** Runs `list` with one step queued ahead, as the engine does; returns every step's stats. */
async function train(trainer: Trainer, list: TokenBatch[]): Promise<StepResult[]> {
  const results: StepResult[] = [];
  for (const batch of list) {
    const previous = await trainer.step(batch);
    if (previous) results.push(previous);
  }
  const last = await trainer.flush();
  if (last) results.push(last);
  return results;
}

describe('trainer: the NaN/Inf guard on the device', () => {
  it('a NaN step changes nothing, is reported a step later, and training resumes from the last good weights', async () => {
    const config = memConfig();
    const [good, after] = [batches(3), batches(2, 99)];
    const tap = new TrainingTap();
    const model = createModel(config);
    const trainer = createTrainer(tapModel(model, tap), config);
    await train(trainer, good);
    const before = await fullState(model, trainer);
    expect(before.steps).toBe(3);

    // Poisoned loss at step 4: step 5 is queued before the CPU reads step 4's stats.
    tap.nanNext = true;
    expect(await trainer.step(batches(1, 7)[0])).toBeNull();
    const error = await trainer.step(batches(1, 8)[0]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TrainingDivergedError);
    expect((error as Error).message).toMatch(
      /^Training diverged at step 4: the loss is NaN\. The step was not applied; the weights are those after step 3\. Lower lr \(now [0-9.e-]+ at this step\) or value_lr, or set a clip\.$/,
    );
    expect(await trainer.flush()).toBeNull();
    // Bit for bit: dense weights, value rows, running stats, both optimisers' moments and steps.
    expect(await fullState(model, trainer)).toEqual(before);
    tap.discard();

    // A twin trained on the same good batches, then `after`, has exactly the same weights.
    const twinModel = createModel(config);
    const twin = createTrainer(twinModel, config);
    await train(twin, good);
    const resumed = await train(trainer, after);
    const reference = await train(twin, after);
    expect(resumed.map((r) => r.step)).toEqual([4, 5]);
    expect(resumed.map((r) => r.loss)).toEqual(reference.map((r) => r.loss));
    expect(await fullState(model, trainer)).toEqual(await fullState(twinModel, twin));
    for (const t of [trainer, twin]) t.dispose();
    for (const m of [model, twinModel]) m.dispose();
  });
});

describe('trainer: stats one step later', () => {
  it('step resolves the previous step, flush the last; stepAndFlush gives a step its own stats', async () => {
    const config = tinyConfig();
    const model = createModel(config);
    const trainer = createTrainer(model, config);
    const [a, b, c] = batches(3);
    expect(trainer.outstanding).toBe(false);
    expect(await trainer.step(a)).toBeNull();
    expect(trainer.steps).toBe(1);
    expect(trainer.outstanding).toBe(true);
    expect((await trainer.step(b))?.step).toBe(1);
    await expect(stepAndFlush(trainer, c)).rejects.toThrow(/a step is outstanding/);
    expect(trainer.steps).toBe(2);
    expect((await trainer.flush())?.step).toBe(2);
    expect(trainer.outstanding).toBe(false);
    expect(await trainer.flush()).toBeNull();
    const own = await stepAndFlush(trainer, c);
    expect(own.step).toBe(3);
    expect(trainer.outstanding).toBe(false);
    expect(Number.isFinite(own.loss) && own.lr > 0 && own.ms >= 0).toBe(true);
    trainer.dispose();
    model.dispose();
  });
});

describe('trainer: nothing waits for the device inside a step', () => {
  it('reads no tensor data before the update is queued; only the previous step stats after', async () => {
    const config = tinyConfig({ clip: 0.5 });
    const model = createModel(config);
    const trainer = createTrainer(model, config);
    const list = batches(6);
    await train(trainer, list.slice(0, 3));
    await trainer.step(list[3]);
    // Count every read of the real backend, async and sync, made by the step rather than inside
    // a kernel (wasm's Slice copies its input through readSync: a heap copy within an op, not a
    // wait; its async read also goes through readSync).
    const backend = tf.backend() as tf.KernelBackend & { dataIdMap: Map<object, { shape: number[] }> };
    const engineState = (tf.engine() as unknown as { state: { kernelDepth: number } }).state;
    const reads: { size: number; stepsAtRead: number; sync: boolean }[] = [];
    const original = { read: backend.read, readSync: backend.readSync };
    let inRead = false;
    const record = (dataId: object, sync: boolean) => {
      const shape = backend.dataIdMap.get(dataId)?.shape;
      reads.push({ size: shape ? tf.util.sizeFromShape(shape) : -1, stepsAtRead: trainer.steps, sync });
    };
    backend.read = async (dataId: object) => {
      record(dataId, false);
      inRead = true;
      try {
        return await original.read.call(backend, dataId);
      } finally {
        inRead = false;
      }
    };
    backend.readSync = (dataId: object) => {
      if (!inRead && engineState.kernelDepth === 0) record(dataId, true);
      return original.readSync.call(backend, dataId);
    };
    try {
      for (const [i, batch] of list.slice(4).entries()) {
        reads.length = 0;
        const result = await trainer.step(batch);
        expect(result?.step).toBe(4 + i);
        // One async read of the 3 stats of the step before, issued once this step was queued.
        expect(reads).toEqual([{ size: 3, stepsAtRead: 5 + i, sync: false }]);
      }
    } finally {
      backend.read = original.read;
      backend.readSync = original.readSync;
    }
    await trainer.flush();
    trainer.dispose();
    model.dispose();
  });
});

describe('trainer: tfjs hygiene', () => {
  it('keeps numTensors flat over 200 steps of a memory model, and leaves nothing once disposed', async () => {
    const config = memConfig();
    const initially = tf.memory().numTensors;
    const model = createModel(config);
    const trainer = createTrainer(model, config);
    const sampler = createBatchSampler(corpus.train, config.batch, config.context, 5);
    await train(trainer, [sampler.next(), sampler.next()]);
    const before = tf.memory().numTensors;
    let outstanding = 0;
    for (let i = 0; i < 200; i++) {
      await trainer.step(sampler.next());
      // One step's stats are outstanding between calls, never more.
      outstanding = Math.max(outstanding, tf.memory().numTensors - before);
    }
    await trainer.flush();
    expect(outstanding).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
    // A diverged step and an undisposed outstanding one leave nothing behind either.
    const tap = new TrainingTap();
    const tapped = createTrainer(tapModel(model, tap), config);
    tap.nanNext = true;
    await tapped.step(sampler.next());
    await expect(tapped.step(sampler.next())).rejects.toBeInstanceOf(TrainingDivergedError);
    await tapped.step(sampler.next());
    tap.discard();
    tapped.dispose();
    trainer.dispose();
    model.dispose();
    expect(tf.memory().numTensors).toBe(initially);
  });
});
