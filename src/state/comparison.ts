/**
 * A comparison of configs as plain data, what the compare store keeps and saved runs hold: each
 * run's training loss per step, validation loss, coverage of its first memory layer and fact
 * recall at every evaluation, and its mean step time. The lab builds them
 * (src/app/lab/compare/results.ts); they live here because state never imports app code.
 */
import type { ModelConfig } from '../model/config';

export type CompareRunStatus = 'pending' | 'running' | 'done' | 'failed' | 'cancelled' | 'skipped';

export interface CoveragePoint {
  step: number;
  /** The memory layer measured (the run's first). */
  layer: number;
  usage: number;
  kl_w: number;
  gini: number;
  top90: number;
}

export interface CompareRun {
  id: string;
  label: string;
  config: ModelConfig | null;
  status: CompareRunStatus;
  /** Why it failed or was skipped. */
  error: string | null;
  train: { steps: number[]; loss: number[] };
  val: { step: number; loss: number }[];
  coverage: CoveragePoint[];
  recall: { step: number; accuracy: number; answerLoss: number }[];
  /** Sum of the steps' wall times and how many steps ran. */
  stepMsTotal: number;
  stepsDone: number;
  /** Trainable parameters (dense + memory values), once built. */
  parameters: number | null;
}

export type ComparisonStatus = 'running' | 'done' | 'cancelled' | 'failed';

export interface Comparison {
  id: string;
  title: string;
  startedAt: number;
  finishedAt: number | null;
  steps: number;
  evalEvery: number;
  status: ComparisonStatus;
  /** What stopped it early, or a note about the end. */
  message: string | null;
  runs: CompareRun[];
}
