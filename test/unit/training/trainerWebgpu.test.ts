import { describe, expect, it } from 'vitest';
import { TrainingTap, tapModel } from '../../../src/engine/instrument';
import { createBatchSampler, knowledgeTextCorpus } from '../../../src/model/corpus/dataset';
import type { PkmMemoryModule } from '../../../src/model/memory/createMemory';
import { denseAdamKernel } from '../../../src/model/ops/denseAdam';
import { createTrainer } from '../../../src/model/training/trainer';
import { createModel } from '../../../src/model/transformer';
import { tinyConfig } from '../model/tinyConfig';
import { runOnNodeWebgpu } from '../nodeWebgpu';

runOnNodeWebgpu();

describe('trainer on WebGPU (Dawn in Node)', () => {
  it('skips a NaN step on the device: weights, both optimisers and counters unchanged, then resumes', async () => {
    const config = tinyConfig({ mem_layers: [1], n_keys: 8, knn: 4, heads: 2, k_dim: 8, clip: 0.5 });
    const tap = new TrainingTap();
    const model = createModel(config);
    const trainer = createTrainer(tapModel(model, tap), config);
    const memory = model.memories[0] as PkmMemoryModule;
    const sampler = createBatchSampler(
      knowledgeTextCorpus({ seed: 4 }).train,
      config.batch,
      config.context,
      3,
    );
    const state = async () => ({
      weights: await model.readWeights(),
      dense: await trainer.readOptimizerState(),
      values: await memory.readValueOptimizerState(),
      steps: trainer.steps,
    });
    expect(denseAdamKernel()).toBe('webgpu');
    await trainer.step(sampler.next());
    expect((await trainer.step(sampler.next()))?.step).toBe(1);
    expect((await trainer.flush())?.step).toBe(2);
    expect(memory.valueUpdateKind).toBe('webgpu');
    const before = await state();

    tap.nanNext = true;
    expect(await trainer.step(sampler.next())).toBeNull();
    await expect(trainer.step(sampler.next())).rejects.toThrow(
      /^Training diverged at step 3: the loss is NaN\. The step was not applied; the weights are those after step 2\./,
    );
    expect(await state()).toEqual(before);

    await trainer.step(sampler.next());
    const resumed = await trainer.flush();
    expect(resumed?.step).toBe(3);
    expect(Number.isFinite(resumed?.loss)).toBe(true);
    expect((await model.readWeights()).dense).not.toEqual(before.weights.dense);
    tap.discard();
    trainer.dispose();
    model.dispose();
  }, 180_000);
});
