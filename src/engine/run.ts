/**
 * One model with everything that lives and dies with it: trainer, batch sampler, validation set,
 * live usage, the instrumentation the engine reads through, and what configure reported.
 */
import type { ModelConfig } from '../model/config';
import {
  type BatchSampler,
  createBatchSampler,
  type TextCorpus,
  type TokenBatch,
  validationBatches,
} from '../model/corpus/dataset';
import { spreadSubset } from '../model/experiments/probes';
import { type FactProbe, factRecall } from '../model/factRecall';
import { deriveSeed } from '../model/random';
import {
  createTrainer,
  type StepResult,
  type Trainer,
  TrainingDivergedError,
} from '../model/training/trainer';
import { createModel, type PkmModel } from '../model/transformer';
import type { CheckpointContents, LossRecord } from './checkpoint';
import { encodeCheckpoint } from './checkpoint';
import { EngineError } from './errors';
import { evalReport } from './evalReport';
import { capturingMemories, capturingMemoryFactory, InputCapture, TrainingTap, tapModel } from './instrument';
import { LiveUsage } from './liveUsage';
import type {
  CheckpointFile,
  EvalReport,
  MemoryEstimate,
  ModelInfo,
  RecallPoint,
  WarmupPhase,
  WarmupTimings,
} from './protocol';
import { compileShapes, restoreValueOptimizers, saveTrainingState, warmupSteps } from './warmup';

/**
 * Real training steps run by the warm-up (then undone). One is enough: it runs every kernel a
 * step runs (the fused Adam's and the value update's own pipelines included); on a software GPU
 * each step takes seconds, so a second one only delays Train.
 */
export const WARMUP_STEPS = 1;
/**
 * At most this many fact-recall probes, spread evenly over the corpus's facts, for the periodic
 * recall and `evaluate` alike (so every point of the curve asks the same questions): all 300 facts
 * of the default task. One recall of the default model took ~1.1 s on wasm with 300 probes (0.85 s
 * with 256), about five training steps: measured every 250 steps, ~2% of the training time.
 */
export const RECALL_PROBES = 300;

export interface Run {
  config: ModelConfig;
  /** The model as built (its memories report their inputs to `capture`). */
  model: PkmModel;
  trainer: Trainer;
  capture: InputCapture;
  tap: TrainingTap;
  corpus: TextCorpus;
  sampler: BatchSampler;
  /** The fixed validation batches, made on first use (null after a corpus or option change). */
  validation: TokenBatch[] | null;
  usage: LiveUsage;
  info: Pick<ModelInfo, 'parameters' | 'memory' | 'warmup' | 'optimizerRestored'>;
  /** Step of the last recovery checkpoint sent (or of the state the client can rebuild itself). */
  checkpointStep: number;
}

export function usageLayouts(model: PkmModel) {
  return model.memories.map((m, i) => ({
    layer: model.memoryLayers[i],
    heads: m.spec.heads,
    knn: m.spec.knn,
    slots: m.spec.n_keys * m.spec.n_keys,
  }));
}

/** Builds the model (seeded, or from a checkpoint with its optimiser and sampler state). */
export function createRun(
  config: ModelConfig,
  corpus: TextCorpus,
  checkpoint: CheckpointContents | null,
  estimate: MemoryEstimate,
  usageHalfLife: number,
): Run {
  const capture = new InputCapture();
  const model = createModel(config, {
    memoryFactory: capturingMemoryFactory(capture),
    ...(checkpoint ? { weights: checkpoint.weights } : {}),
  });
  const tap = new TrainingTap();
  const trainer = createTrainer(tapModel(model, tap), config);
  const sampler = createBatchSampler(corpus.train, config.batch, config.context, config.seed);
  const run: Run = {
    config,
    model,
    trainer,
    capture,
    tap,
    corpus,
    sampler,
    validation: null,
    usage: new LiveUsage(usageLayouts(model), usageHalfLife),
    info: {
      parameters: model.parameterCounts(),
      memory: estimate,
      warmup: { buildMs: 0, compileMs: 0, firstStepsMs: 0, steps: 0, totalMs: 0 },
      optimizerRestored: false,
    },
    checkpointStep: checkpoint?.step ?? 0,
  };
  try {
    if (checkpoint?.optimizer) {
      trainer.loadOptimizerState(checkpoint.optimizer);
      run.info.optimizerRestored = true;
    }
    if (checkpoint?.valueOptimizers) restoreValueOptimizers(model, checkpoint.valueOptimizers);
    if (checkpoint && checkpoint.samplerState !== null) sampler.state = checkpoint.samplerState;
  } catch (err) {
    disposeRun(run);
    throw err;
  }
  return run;
}

export function disposeRun(run: Run): void {
  run.tap.discard();
  run.usage.dispose();
  run.trainer.dispose();
  run.model.dispose();
}

/**
 * Compiles every shape, then runs a couple of real steps on a throwaway batch stream and puts the
 * weights, optimiser and BatchNorm statistics back: warm-up does not train.
 */
export async function warmUpRun(
  run: Run,
  buildMs: number,
  skipSteps: boolean,
  progress: (phase: WarmupPhase, fraction: number, message: string) => void,
): Promise<WarmupTimings> {
  progress('compile', 0.1, 'compiling shaders');
  const { corpus, config } = run;
  const sampler = createBatchSampler(
    corpus.train,
    config.batch,
    config.context,
    deriveSeed(config.seed, 'warmup'),
  );
  const compileMs = await compileShapes(run.model, sampler.next());
  let firstStepsMs = 0;
  let steps = 0;
  if (!skipSteps) {
    progress('steps', 0.6, 'first training steps');
    const saved = await saveTrainingState(run.model, run.trainer);
    try {
      firstStepsMs = await warmupSteps(run.trainer, sampler, WARMUP_STEPS, (done) => {
        steps = done;
        progress(
          'steps',
          0.6 + (0.35 * done) / WARMUP_STEPS,
          `first training steps (${done}/${WARMUP_STEPS})`,
        );
      });
    } catch (err) {
      // A diverging warm-up step says nothing about training: the state is restored below.
      if (!(err instanceof TrainingDivergedError)) throw err;
    } finally {
      run.tap.discard();
      run.model.loadWeights(saved.weights);
      run.trainer.dispose();
      run.trainer = createTrainer(tapModel(run.model, run.tap), run.config);
      if (saved.optimizer.step > 0) run.trainer.loadOptimizerState(saved.optimizer);
      restoreValueOptimizers(run.model, saved.valueOptimizers);
    }
  }
  progress('done', 1, 'ready');
  return { buildMs, compileMs, firstStepsMs, steps, totalMs: buildMs + compileMs + firstStepsMs };
}

/**
 * Queues one training step; its memory reads go to the live usage. Resolves with the previous
 * step's stats (null when none was outstanding): see Trainer.step. Throws TrainingDivergedError.
 */
export async function stepRun(run: Run): Promise<StepResult | null> {
  let result: StepResult | null;
  try {
    result = await run.trainer.step(run.sampler.next());
  } catch (err) {
    run.tap.discard();
    throw err;
  }
  const reads = run.tap.take();
  if (reads) run.usage.add(reads);
  return result;
}

/** The questions recall asks of a corpus (none for a text without facts). */
export function recallProbes(corpus: TextCorpus): FactProbe[] {
  return spreadSubset(corpus.probes ?? [], RECALL_PROBES);
}

/** Fact recall on the held-out wording now, or null when the corpus has no facts. */
export async function measureRecall(run: Run): Promise<RecallPoint | null> {
  const probes = recallProbes(run.corpus);
  if (probes.length === 0) return null;
  const { accuracy, answerLoss } = await factRecall(run.model, probes);
  return { step: run.trainer.steps, accuracy, answerLoss };
}

/** Validation loss and memory metrics on the fixed set; with `withRecall`, fact recall too. */
export async function evaluateRun(
  run: Run,
  evalBatches: number,
  withRecall: boolean,
  signal?: AbortSignal,
): Promise<EvalReport> {
  const started = performance.now();
  const { config } = run;
  run.validation ??= validationBatches(run.corpus.validation, config.batch, config.context, evalBatches);
  const report = await evalReport(run.model, run.validation, run.trainer.steps);
  const probes = withRecall ? recallProbes(run.corpus) : [];
  if (probes.length > 0) {
    if (signal?.aborted) throw new EngineError('cancelled', 'the evaluation was cancelled');
    report.recall = await factRecall(run.model, probes);
  }
  report.ms = performance.now() - started;
  return report;
}

/** The whole model, dense optimiser, sampler position, usage counts and the histories as a checkpoint file. */
export async function runCheckpoint(
  run: Run,
  history: { losses?: LossRecord | null; recall?: RecallPoint[] | null } = {},
): Promise<CheckpointFile> {
  // A checkpoint holds applied steps only: settle the outstanding one (callers that keep its
  // stats flush before). Throws TrainingDivergedError if it diverged.
  await run.trainer.flush();
  const step = run.trainer.steps;
  await run.usage.flush();
  const valueOptimizers = [];
  for (const memory of capturingMemories(run.model))
    valueOptimizers.push(await memory.readValueOptimizerState());
  const bytes = encodeCheckpoint({
    config: run.config,
    weights: await run.model.readWeights(),
    optimizer: await run.trainer.readOptimizerState(),
    valueOptimizers,
    step,
    samplerState: run.sampler.state,
    usage: { halfLife: run.usage.halfLife, layers: run.usage.records() },
    losses: history.losses ?? null,
    recall: history.recall ?? null,
  });
  return { bytes, step, config: { ...run.config }, name: `pkm-step-${step}.safetensors` };
}
