/**
 * The shapes of an experiment (a set of configs compared on the same data, seeds and steps) and
 * of its result, the JSON committed under experiments/results/. Plain data only, so a result can
 * be read back in Node, in the app and in its worker.
 */
import type { ModelConfig } from '../config';
import type { KnowledgeOptions } from '../corpus/knowledge';
import type { MemoryMetrics } from '../metrics/memoryMetrics';

/** Bumped when the result JSON changes incompatibly; the loader rejects other versions. */
export const RESULT_SCHEMA_VERSION = 1;

export type ExperimentName =
  | 'depth-vs-memory'
  | 'query-norm'
  | 'product-vs-flat'
  | 'heads-x-k'
  | 'position'
  | 'memory-size'
  | 'capacity';

export type ScaleName = 'full' | 'quick';

/** How long and how thoroughly every config of an experiment is trained and measured. */
export interface Scale {
  steps: number;
  /** Validation loss (on the curve set) every this many steps, and after the last step. */
  evalEvery: number;
  /** Mean training loss recorded every this many steps. */
  lossEvery: number;
  /** Batches of the validation set used for the curve points (fast, recorded often). */
  curveBatches: number;
  /** Batches of the fixed evaluation set for the final loss and memory metrics. */
  metricBatches: number;
  /** At most this many fact-recall probes (and as many surname probes); 0 skips recall. */
  recallProbes: number;
  /** Inference timing: forwards per model after warm-up, interleaved between models. */
  inferenceRounds: number;
  /** Sequences per timed inference forward (each of `context` tokens). */
  inferenceBatch: number;
  /** Fields applied to DEFAULT_CONFIG before the experiment's own (quick: a tiny model). */
  model: Partial<ModelConfig>;
  knowledge: Partial<KnowledgeOptions>;
}

/** One config of a comparison, e.g. "baseline 8L". */
export interface Arm {
  label: string;
  /** Fields that differ from the experiment's base config. */
  overrides: Partial<ModelConfig>;
  /** Knowledge-corpus fields of this arm only, on top of the scale's (e.g. how many facts it stores). */
  knowledge?: Partial<KnowledgeOptions>;
}

/** A finding of the paper checked against this experiment's numbers. */
export interface Claim {
  id: string;
  /** What is checked, e.g. "memory 4L has a lower validation loss than baseline 8L". */
  statement: string;
  /** What the paper reports; "(2nd)" where the brief quotes it second-hand. */
  paper: string;
  /** The measured numbers behind the verdict, as text. */
  observed: string;
  /** Computed from the numbers; null when the numbers cannot decide (e.g. a missing metric). */
  agrees: boolean | null;
  /** The arm labels this claim is about (their table rows show its verdict). */
  arms: string[];
  /** A short caveat when toy scale disagrees or the margin is small. */
  note?: string;
}

/** What one memory read over the fixed evaluation set (XLM's evaluator statistics). */
export interface MemoryResult extends MemoryMetrics {
  /** The block index of this memory. */
  layer: number;
}

export interface RecallSummary {
  /** Fraction of fact probes whose every answer byte is the top prediction. */
  factAccuracy: number;
  /** Mean cross-entropy over the answer bytes, nats. */
  answerLoss: number;
  /** Surname given the first name at a line start: memorising who exists. */
  surnameAccuracy: number;
  probes: number;
}

export interface FinalMetrics {
  /** Mean cross-entropy on the fixed evaluation set, nats per byte. */
  loss: number;
  perplexity: number;
  bitsPerByte: number;
  /** Tokens of the evaluation set (usage grows with it: compare equal sizes only). */
  evalTokens: number;
  /** One per memory layer, in mem_layers order; empty for a baseline. */
  memories: MemoryResult[];
  recall: RecallSummary | null;
}

/** One trained model: one arm at one seed. */
export interface RunResult {
  arm: string;
  seed: number;
  params: { total: number; dense: number; memoryValues: number };
  /** [step, mean training loss of the steps since the previous point]. */
  trainCurve: [number, number][];
  /** [step, validation loss on the curve set]. */
  validationCurve: [number, number][];
  final: FinalMetrics;
  /** Median wall time of one training step, after the first tenth of the steps (warm-up). */
  stepMsMedian: number;
  /** Tokens per second of a batched eval-mode forward (median); only where the experiment times inference. */
  inferenceTokensPerSecond: number | null;
  trainSeconds: number;
  wallSeconds: number;
}

/** An arm's runs averaged over seeds (identical to its one run with one seed). */
export interface ArmSummary {
  loss: number;
  perplexity: number;
  /** The first memory's statistics (null for a baseline). */
  usage: number | null;
  kl_w: number | null;
  kl_u: number | null;
  gini_w: number | null;
  top50_w: number | null;
  top90_w: number | null;
  top99_w: number | null;
  factAccuracy: number | null;
  surnameAccuracy: number | null;
  answerLoss: number | null;
  stepMs: number;
  inferenceTokensPerSecond: number | null;
  params: number;
}

export interface ArmResult {
  label: string;
  /** The complete, validated config of this arm (seed = the first seed). */
  config: ModelConfig;
  /** Only where the arm trains on its own corpus (Arm.knowledge): that corpus's complete options. */
  knowledge?: KnowledgeOptions;
  runs: RunResult[];
  summary: ArmSummary;
}

export interface EnvironmentInfo {
  /** tfjs backend the runs used. */
  backend: string;
  machine: { cpu: string; cores: number; platform: string; runtime: string };
  git: { commit: string; dirty: boolean } | null;
}

export interface ExperimentResult {
  schema: typeof RESULT_SCHEMA_VERSION;
  experiment: ExperimentName;
  title: string;
  /** The paper's expectation in one paragraph. */
  expectation: string;
  /** 'full' and 'quick' are the presets; 'custom' when the step budget was overridden. */
  mode: ScaleName | 'custom';
  scale: Scale;
  seeds: number[];
  corpus: { name: string; knowledge: KnowledgeOptions; trainBytes: number; validationBytes: number };
  environment: EnvironmentInfo;
  startedAt: string;
  wallSeconds: number;
  arms: ArmResult[];
  claims: Claim[];
}

/** A comparison: its configs for a scale, and the paper's findings checked on the summaries. */
export interface ExperimentDefinition {
  name: ExperimentName;
  title: string;
  expectation: string;
  /** Config fields shared by all arms, on top of the scale's model fields. */
  base: Partial<ModelConfig>;
  /** The scale is passed for experiments whose arms depend on it (capacity: its fact counts). */
  arms(base: ModelConfig, scale: Scale): Arm[];
  /** Seeds when the caller names none (default [1]); capacity reports the spread over two. */
  seeds?: number[];
  /** Fields of a scale preset this experiment sets for itself (e.g. its own knowledge task). */
  scales?: Partial<Record<ScaleName, Partial<Scale>>>;
  /** Full step budget (the quick preset has its own). */
  fullSteps: number;
  /** Whether inference speed is measured (the models are kept until every arm is trained). */
  timeInference: boolean;
  claims(arms: ArmResult[]): Claim[];
  /** Columns of the readable table besides the common ones. */
  columns: TableColumn[];
}

export interface TableColumn {
  header: string;
  value(arm: ArmResult): number | string | null;
  /** Digits after the point (numbers only). */
  digits?: number;
  percent?: boolean;
}
