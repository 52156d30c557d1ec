/**
 * The default model's training step with the fused dense Adam against the tfjs-op reference, in
 * one Node process: two models built alike, one trainer per kernel mode, steps interleaved after
 * a warm-up; medians and the paired ratio. Also the dense Adam op alone on the model's variables,
 * and the tfjs kernels each launches (tf.profile; a fused kernel's own loop or pass is not a
 * tfjs kernel, so it counts 0 there).
 * Run: npx tsx bench/denseAdamStep.ts [wasm|cpu] [reps]
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { DEFAULT_CONFIG, type ModelConfig } from '../src/model/config';
import { createBatchSampler, knowledgeTextCorpus } from '../src/model/corpus/dataset';
import { denseAdamKernel } from '../src/model/ops/denseAdam';
import { type KernelMode, setKernelMode } from '../src/model/ops/kernelMode';
import { createDenseAdam } from '../src/model/training/adam';
import { createTrainer } from '../src/model/training/trainer';
import { createModel } from '../src/model/transformer';
import { timeInterleaved } from './lib/interleave';
import { pairedRatio, round, summarize } from './lib/stats';

const backend = process.argv[2] ?? 'wasm';
const reps = Number(process.argv[3] ?? 15);
const MODES: KernelMode[] = ['fused', 'reference'];

await tf.setBackend(backend);
await tf.ready();
const config: ModelConfig = { ...DEFAULT_CONFIG, mem_layers: [...DEFAULT_CONFIG.mem_layers] };
const corpus = knowledgeTextCorpus();
const units = MODES.map((mode) => {
  const model = createModel(config);
  const trainer = createTrainer(model, config);
  const sampler = createBatchSampler(corpus.train, config.batch, config.context, 7);
  return { mode, model, trainer, sampler };
});

/** Kernels launched by `fn` as tfjs counts them. */
async function kernelsOf(fn: () => Promise<unknown> | unknown): Promise<number> {
  const info = await tf.profile(async () => {
    await fn();
    return [];
  });
  return info.kernels.length;
}

// Whole steps: step() queues this step and reads the previous one's stats; on wasm the work runs
// while it is queued, so a step() call is one whole step in steady state.
const steps = await timeInterleaved(
  units.map((u) => ({
    name: u.mode,
    run: async () => {
      setKernelMode(u.mode);
      await u.trainer.step(u.sampler.next());
    },
  })),
  { warmup: 3, reps },
);
const stepKernels: Record<string, number> = {};
for (const u of units) {
  setKernelMode(u.mode);
  stepKernels[u.mode] = await kernelsOf(() => u.trainer.step(u.sampler.next()));
  await u.trainer.flush();
}

// The dense Adam op alone on the model's dense variables, clipping active.
const variables = units[0].model.denseVariables();
const grads = variables.map((v) => tf.randomNormal(v.shape));
const control = tf.tensor1d([0.5, 1]);
const adams = MODES.map((mode) => ({ mode, adam: createDenseAdam() }));
const adamOnly = await timeInterleaved(
  adams.map(({ mode, adam }) => ({
    name: mode,
    run: async () => {
      setKernelMode(mode);
      adam.apply(variables, grads, 1e-4, control);
      await variables[0].data();
    },
  })),
  { warmup: 3, reps: reps * 2 },
);
const adamKernels: Record<string, string | number> = {};
for (const { mode, adam } of adams) {
  setKernelMode(mode);
  adamKernels[mode] = await kernelsOf(() => adam.apply(variables, grads, 1e-4, control));
  adamKernels[`${mode} kernel`] = denseAdamKernel();
}
setKernelMode('fused');

const parameters = variables.reduce((n, v) => n + v.size, 0);
const show = (samples: Record<string, number[]>) => ({
  fused: round(summarize(samples.fused).median),
  reference: round(summarize(samples.reference).median),
  'fused/reference (paired median)': round(pairedRatio(samples.fused, samples.reference).median),
});
console.log(
  JSON.stringify(
    {
      backend,
      reps,
      denseVariables: variables.length,
      denseParameters: parameters,
      stepMs: show(steps),
      stepKernels,
      denseAdamMs: show(adamOnly),
      denseAdamKernels: adamKernels,
    },
    null,
    2,
  ),
);
for (const u of units) {
  u.trainer.dispose();
  u.model.dispose();
}
for (const { adam } of adams) adam.dispose();
tf.dispose([...grads, control]);
