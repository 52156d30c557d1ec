/**
 * Trains one config on a corpus and measures it: training and validation curves, step time, the
 * final loss and memory statistics on a fixed evaluation set, and fact / surname recall. Shared by
 * the experiment runner and scripts/compare-memory.ts.
 */
import type { ModelConfig } from '../config';
import { createBatchSampler, type TextCorpus, type TokenBatch, validationBatches } from '../corpus/dataset';
import { evaluate } from '../evaluate';
import { type FactProbe, factRecall } from '../factRecall';
import { memoryMetrics } from '../metrics/memoryMetrics';
import { createTrainer } from '../training/trainer';
import { trainFor } from '../training/trainFor';
import { createModel, type PkmModel } from '../transformer';
import type { FinalMetrics, MemoryResult, RecallSummary, RunResult } from './types';

export interface TrainRunOptions {
  steps: number;
  evalEvery: number;
  lossEvery: number;
  curveBatches: number;
  metricBatches: number;
  /** Fact probes (the knowledge corpus's) and surname probes; empty lists skip recall. */
  factProbes: FactProbe[];
  surnameProbes: FactProbe[];
  /** Progress lines for people. */
  onProgress?: (message: string) => void;
  signal?: AbortSignal;
}

export interface TrainedRun {
  result: RunResult;
  /** The trained model; the caller disposes it. */
  model: PkmModel;
}

/** The middle value (the mean of the two middle ones for an even count); NaN for none. */
export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The fixed sets a config is evaluated on: the curve set and the (larger) metric set. */
export function evaluationSets(
  corpus: TextCorpus,
  config: Pick<ModelConfig, 'batch' | 'context'>,
  curveBatches: number,
  metricBatches: number,
): { curve: TokenBatch[]; metric: TokenBatch[] } {
  return {
    curve: validationBatches(corpus.validation, config.batch, config.context, curveBatches),
    metric: validationBatches(corpus.validation, config.batch, config.context, metricBatches),
  };
}

/** Loss, perplexity, every memory's usage statistics and recall, all in eval mode. */
export async function finalMetrics(
  model: PkmModel,
  metricSet: TokenBatch[],
  factProbes: FactProbe[],
  surnameProbes: FactProbe[],
): Promise<FinalMetrics> {
  const evaluation = await evaluate(model, metricSet, { collectReads: true });
  const memories: MemoryResult[] = evaluation.memories.map((m) => ({
    layer: m.layer,
    ...memoryMetrics(m.slots, m.weights, { slots: m.slotCount, heads: m.heads, knn: m.knn }),
  }));
  let recall: RecallSummary | null = null;
  if (factProbes.length > 0 && surnameProbes.length > 0) {
    const facts = await factRecall(model, factProbes);
    const surnames = await factRecall(model, surnameProbes);
    recall = {
      factAccuracy: facts.accuracy,
      answerLoss: facts.answerLoss,
      surnameAccuracy: surnames.accuracy,
      probes: facts.probes,
    };
  }
  return {
    loss: evaluation.loss,
    perplexity: evaluation.perplexity,
    bitsPerByte: evaluation.bitsPerByte,
    evalTokens: evaluation.tokens,
    memories,
    recall,
  };
}

/**
 * Trains `config` for `options.steps` steps on batches sampled from `corpus.train` with
 * config.seed (so configs with one seed see the same batches), recording the curves, then
 * measures it. Throws (naming `label`) when training diverges or `signal` aborts.
 */
export async function trainRun(
  label: string,
  config: ModelConfig,
  corpus: TextCorpus,
  options: TrainRunOptions,
): Promise<TrainedRun> {
  const { steps, evalEvery, lossEvery, signal } = options;
  for (const [name, v] of Object.entries({ steps, evalEvery, lossEvery })) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`${name} must be a positive integer (got ${v})`);
  }
  const start = performance.now();
  const model = createModel(config);
  const trainer = createTrainer(model, config);
  try {
    const sampler = createBatchSampler(corpus.train, config.batch, config.context, config.seed);
    const sets = evaluationSets(corpus, config, options.curveBatches, options.metricBatches);
    const validationCurve: [number, number][] = [[0, (await evaluate(model, sets.curve)).loss]];
    const trainCurve: [number, number][] = [];
    const stepMs: number[] = [];
    let windowSum = 0;
    let windowCount = 0;
    let trainMs = 0;
    while (trainer.steps < steps) {
      const chunk = Math.min(evalEvery - (trainer.steps % evalEvery), steps - trainer.steps);
      const summary = await trainFor(
        trainer,
        sampler,
        chunk,
        (r) => {
          stepMs.push(r.ms);
          windowSum += r.loss;
          windowCount++;
          if (r.step % lossEvery === 0 || r.step === steps) {
            trainCurve.push([r.step, windowSum / windowCount]);
            windowSum = 0;
            windowCount = 0;
          }
        },
        signal,
      );
      trainMs += summary.ms;
      if (summary.aborted) throw new Error(`${label}: stopped at step ${trainer.steps} of ${steps}`);
      const { loss } = await evaluate(model, sets.curve);
      validationCurve.push([trainer.steps, loss]);
      options.onProgress?.(
        `${label}: step ${trainer.steps}/${steps}  val ${loss.toFixed(4)}  train ${summary.lastLoss.toFixed(3)}  ` +
          `${(summary.ms / summary.steps).toFixed(0)} ms/step`,
      );
    }
    const final = await finalMetrics(model, sets.metric, options.factProbes, options.surnameProbes);
    const counts = model.parameterCounts();
    const result: RunResult = {
      arm: label,
      seed: config.seed,
      params: { total: counts.total, dense: counts.dense, memoryValues: counts.memoryValues },
      trainCurve,
      validationCurve,
      final,
      stepMsMedian: median(stepMs.slice(Math.floor(stepMs.length / 10))),
      inferenceTokensPerSecond: null,
      trainSeconds: trainMs / 1000,
      wallSeconds: (performance.now() - start) / 1000,
    };
    return { result, model };
  } catch (err) {
    model.dispose();
    const message = err instanceof Error ? err.message : String(err);
    throw new Error(message.startsWith(`${label}:`) ? message : `${label}: ${message}`, { cause: err });
  } finally {
    trainer.dispose();
  }
}
