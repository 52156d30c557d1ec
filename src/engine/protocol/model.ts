/**
 * Protocol types: the model and its data (corpus, memory estimate, warm-up, model info) and the
 * files that carry a model in or out (checkpoints, an imported memory's coverage report).
 */
import type { CorpusName, ModelConfig } from '../../model/config';
import type { MemoryLayout } from '../../model/io/layouts/types';
import type { MemorySpec } from '../../model/memory/types';
import type { MemoryMetrics } from '../../model/metrics/memoryMetrics';
import type { ParameterCounts } from '../../model/parameterCounts';
import type { UsageMap } from './snapshot';
import type { BackendReport } from './state';

// ---------------------------------------------------------------------------------------------
// Corpus

export type CorpusSource =
  | { kind: 'knowledge' }
  /** The user's own text: validated (non-empty, ≤ 20 MB, UTF-8, text-like), last 10% held out. */
  | { kind: 'user'; bytes: Uint8Array; name: string };

export interface CorpusInfo {
  kind: CorpusName;
  name: string;
  trainBytes: number;
  validationBytes: number;
  /** Knowledge corpus: number of fact-recall probes; 0 for user text. */
  probes: number;
}

// ---------------------------------------------------------------------------------------------
// Model info (reply of configure, reset, loadCheckpoint)

/** Estimated memory of a config, checked against `EngineOptions.memoryCapBytes` before building. */
export interface MemoryEstimate {
  /** All parameters, float32. */
  parameterBytes: number;
  /** Adam moments (dense and memory values): 2 × parameters. */
  optimizerBytes: number;
  /** Activations and gradients kept for one training step (an upper estimate). */
  activationBytes: number;
  totalBytes: number;
  capBytes: number;
}

/** Warm-up cost, kept apart from steady-state timings. */
export interface WarmupTimings {
  /** Building the model and its variables. */
  buildMs: number;
  /** Compile-only pass over every shape (WebGPU) or a first forward (other backends). */
  compileMs: number;
  /** The first real training steps (undone afterwards: warm-up does not train). */
  firstStepsMs: number;
  steps: number;
  totalMs: number;
}

export interface ModelInfo {
  config: ModelConfig;
  backend: BackendReport;
  parameters: ParameterCounts;
  memory: MemoryEstimate;
  corpus: CorpusInfo;
  /** Steps already applied (0 after configure/reset; the checkpoint's step after a load). */
  step: number;
  warmup: WarmupTimings;
  /** Whether the optimiser state came back too (loadCheckpoint; false after configure/reset). */
  optimizerRestored: boolean;
}

// ---------------------------------------------------------------------------------------------
// Checkpoints and memory import

/**
 * A safetensors file: every weight (dense parameters, each memory's weights), the dense Adam
 * moments and the memory values' sparse Adam moments, and in __metadata__ the config JSON
 * (`config`), `step`, `format` and sampler state: loading it resumes training exactly.
 */
export interface CheckpointFile {
  bytes: Uint8Array;
  step: number;
  config: ModelConfig;
  /** Suggested file name, e.g. "pkm-step-1200.safetensors". */
  name: string;
}

/** Coverage of an imported memory module (XLM layout) over given inputs, without training. */
export interface CoverageReport {
  name: string;
  /** The layout it was read in, the prefix it sits under ('' for a file of one module) and notes on the mapping. */
  layout: MemoryLayout;
  prefix: string;
  notes: string[];
  spec: MemorySpec;
  /** Number of input vectors read. */
  inputs: number;
  /** XLM-evaluator statistics over all inputs, per head and total. */
  metrics: MemoryMetrics;
  counts: UsageMap;
  weights: UsageMap;
  /** Slots never selected: count per head and over all heads, and the ids of the latter. */
  dead: { perHead: number[]; total: number; slots: Int32Array };
  ms: number;
}
