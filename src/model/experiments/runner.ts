/**
 * Runs one experiment: every arm trained on the same knowledge corpus (or, where an arm says so,
 * its own size of it), with the same seeds (so the same batches) and the same step budget, one
 * after the other; then the inference timing where the experiment asks for it, the arm summaries
 * and the paper's claims checked on them.
 * Uses whatever tfjs backend is active (the CLI sets wasm); runs in Node and in a worker.
 */
import * as tf from '@tensorflow/tfjs';
import { type ModelConfig, parseConfig } from '../config';
import { knowledgeTextCorpus, type TextCorpus } from '../corpus/dataset';
import { type KnowledgeOptions, resolveKnowledge } from '../corpus/knowledge';
import type { FactProbe } from '../factRecall';
import type { PkmModel } from '../transformer';
import { getExperiment } from './definitions';
import { measureInference } from './inference';
import { spreadSubset, surnameProbes } from './probes';
import { scalePreset } from './scales';
import { trainRun } from './trainRun';
import {
  type ArmResult,
  type ArmSummary,
  type EnvironmentInfo,
  type ExperimentDefinition,
  type ExperimentResult,
  RESULT_SCHEMA_VERSION,
  type RunResult,
  type Scale,
  type ScaleName,
} from './types';

export interface RunExperimentOptions {
  /** Preset of model size, steps and measurement effort (default 'full'). */
  scale?: ScaleName;
  /** Overrides the preset's step budget (the result's mode becomes 'custom'). */
  steps?: number;
  /** Every arm is trained once per seed (default: the experiment's, else [1]); summaries average over seeds. */
  seeds?: number[];
  /** Machine and git state as the host knows them (the backend is read from tfjs). */
  host?: Omit<EnvironmentInfo, 'backend'>;
  onProgress?: (message: string) => void;
  signal?: AbortSignal;
}

function defaultHost(): Omit<EnvironmentInfo, 'backend'> {
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number; userAgent?: string } }).navigator;
  return {
    machine: {
      cpu: 'unknown',
      cores: nav?.hardwareConcurrency ?? 0,
      platform: 'unknown',
      runtime: nav?.userAgent ?? 'unknown',
    },
    git: null,
  };
}

/** The scale actually used: the preset, with the step budget overridden if asked. */
export function resolveScale(def: ExperimentDefinition, scale: ScaleName, steps?: number): Scale {
  const own = def.scales?.[scale] ?? {};
  const generic = scalePreset(scale, def.fullSteps);
  const preset: Scale = {
    ...generic,
    ...own,
    model: { ...generic.model, ...own.model },
    knowledge: { ...generic.knowledge, ...own.knowledge },
  };
  if (steps === undefined) return preset;
  if (!Number.isInteger(steps) || steps < 1)
    throw new RangeError(`steps must be a positive integer (got ${steps})`);
  return { ...preset, steps, evalEvery: Math.min(preset.evalEvery, steps) };
}

export interface ArmPlan {
  label: string;
  config: ModelConfig;
  /** The arm's own corpus options (complete); undefined when it trains on the scale's corpus. */
  knowledge?: KnowledgeOptions;
}

/** The complete config (seed = `seed`) and corpus options of every arm, validated. */
export function armConfigs(def: ExperimentDefinition, scale: Scale, seed: number): ArmPlan[] {
  const base = parseConfig({ ...scale.model, ...def.base, seed });
  return def.arms(base, scale).map((arm) => {
    try {
      const config = parseConfig({ ...base, ...arm.overrides, seed });
      if (!arm.knowledge) return { label: arm.label, config };
      return {
        label: arm.label,
        config,
        knowledge: resolveKnowledge({ ...scale.knowledge, ...arm.knowledge }),
      };
    } catch (err) {
      throw new Error(`${def.name}, arm '${arm.label}': ${(err as Error).message}`);
    }
  });
}

interface PreparedCorpus {
  corpus: TextCorpus;
  factProbes: FactProbe[];
  surnames: FactProbe[];
}

/** The corpus and its recall probes, built once per distinct set of options. */
function corpusCache(recallProbes: number) {
  const cache = new Map<string, PreparedCorpus>();
  return (knowledge: KnowledgeOptions): PreparedCorpus => {
    const key = JSON.stringify(knowledge);
    let found = cache.get(key);
    if (!found) {
      const corpus = knowledgeTextCorpus(knowledge);
      found = {
        corpus,
        factProbes: spreadSubset(corpus.probes ?? [], recallProbes),
        surnames: spreadSubset(surnameProbes(knowledge), recallProbes),
      };
      cache.set(key, found);
    }
    return found;
  };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Mean over runs of a metric that may be absent (null when any run lacks it). */
function meanOrNull(runs: RunResult[], pick: (r: RunResult) => number | null | undefined): number | null {
  const values = runs.map(pick);
  return values.every((v): v is number => typeof v === 'number') ? mean(values) : null;
}

export function summariseRuns(runs: RunResult[]): ArmSummary {
  if (runs.length === 0) throw new Error('an arm needs at least one run');
  const memory = (r: RunResult) => r.final.memories[0];
  return {
    loss: mean(runs.map((r) => r.final.loss)),
    perplexity: mean(runs.map((r) => r.final.perplexity)),
    usage: meanOrNull(runs, (r) => memory(r)?.usage),
    kl_w: meanOrNull(runs, (r) => memory(r)?.kl_w),
    kl_u: meanOrNull(runs, (r) => memory(r)?.kl_u),
    gini_w: meanOrNull(runs, (r) => memory(r)?.gini_w),
    top50_w: meanOrNull(runs, (r) => memory(r)?.top50_w),
    top90_w: meanOrNull(runs, (r) => memory(r)?.top90_w),
    top99_w: meanOrNull(runs, (r) => memory(r)?.top99_w),
    factAccuracy: meanOrNull(runs, (r) => r.final.recall?.factAccuracy),
    surnameAccuracy: meanOrNull(runs, (r) => r.final.recall?.surnameAccuracy),
    answerLoss: meanOrNull(runs, (r) => r.final.recall?.answerLoss),
    stepMs: mean(runs.map((r) => r.stepMsMedian)),
    inferenceTokensPerSecond: meanOrNull(runs, (r) => r.inferenceTokensPerSecond),
    params: runs[0].params.total,
  };
}

export async function runExperiment(
  nameOrDefinition: string | ExperimentDefinition,
  options: RunExperimentOptions = {},
): Promise<ExperimentResult> {
  const def = typeof nameOrDefinition === 'string' ? getExperiment(nameOrDefinition) : nameOrDefinition;
  const scaleName = options.scale ?? 'full';
  const scale = resolveScale(def, scaleName, options.steps);
  const seeds = options.seeds ?? def.seeds ?? [1];
  if (seeds.length === 0 || seeds.some((s) => !Number.isInteger(s) || s < 0)) {
    throw new RangeError(`seeds must be a non-empty list of integers ≥ 0 (got ${seeds.join(', ')})`);
  }
  // Validate every config before any training.
  const plans = seeds.map((seed) => armConfigs(def, scale, seed));
  const progress = options.onProgress ?? (() => {});
  const startedAt = new Date().toISOString();
  const start = performance.now();

  const knowledge = resolveKnowledge(scale.knowledge);
  const prepare = corpusCache(scale.recallProbes);
  const { corpus } = prepare(knowledge);

  const runs = new Map<string, RunResult[]>(plans[0].map((p) => [p.label, []]));
  const kept: { run: RunResult; model: PkmModel; seed: number }[] = [];
  try {
    for (const [s, plan] of plans.entries()) {
      for (const [i, { label, config, knowledge: own }] of plan.entries()) {
        progress(
          `${def.name}: ${label} (seed ${seeds[s]}, arm ${i + 1}/${plan.length}), ${scale.steps} steps`,
        );
        const { corpus: armCorpus, factProbes, surnames } = prepare(own ?? knowledge);
        const { result, model } = await trainRun(label, config, armCorpus, {
          steps: scale.steps,
          evalEvery: scale.evalEvery,
          lossEvery: scale.lossEvery,
          curveBatches: scale.curveBatches,
          metricBatches: scale.metricBatches,
          factProbes,
          surnameProbes: surnames,
          onProgress: progress,
          signal: options.signal,
        });
        runs.get(label)!.push(result);
        if (def.timeInference) kept.push({ run: result, model, seed: seeds[s] });
        else model.dispose();
      }
    }
    if (def.timeInference) {
      for (const seed of seeds) {
        const group = kept.filter((k) => k.seed === seed);
        progress(`${def.name}: timing inference (${scale.inferenceRounds} interleaved rounds, seed ${seed})`);
        const speeds = await measureInference(
          group.map((k) => k.model),
          { batch: scale.inferenceBatch, rounds: scale.inferenceRounds, tokens: corpus.validation },
        );
        group.forEach((k, i) => {
          k.run.inferenceTokensPerSecond = speeds[i];
        });
      }
    }
  } finally {
    for (const k of kept) k.model.dispose();
  }

  const arms: ArmResult[] = plans[0].map(({ label, config, knowledge: own }) => ({
    label,
    config,
    ...(own ? { knowledge: own } : {}),
    runs: runs.get(label)!,
    summary: summariseRuns(runs.get(label)!),
  }));
  return {
    schema: RESULT_SCHEMA_VERSION,
    experiment: def.name,
    title: def.title,
    expectation: def.expectation,
    mode: options.steps === undefined ? scaleName : 'custom',
    scale,
    seeds,
    corpus: {
      name: corpus.name,
      knowledge,
      trainBytes: corpus.train.length,
      validationBytes: corpus.validation.length,
    },
    environment: { backend: tf.getBackend(), ...(options.host ?? defaultHost()) },
    startedAt,
    wallSeconds: (performance.now() - start) / 1000,
    arms,
    claims: def.claims(arms),
  };
}

/**
 * The result with its claims checked again by the current definition, from the stored numbers
 * alone (after a claim's wording or note changed; the numbers and provenance are untouched).
 */
export function rejudgeClaims(result: ExperimentResult): ExperimentResult {
  return { ...result, claims: getExperiment(result.experiment).claims(result.arms) };
}
