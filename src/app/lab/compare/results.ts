/**
 * A comparison's results as plain data (kept in the session, saved with runs, exported as JSON):
 * each run's training loss per step, validation loss, coverage of its first memory layer and fact
 * recall at every evaluation, and its mean step time. Pure reducers build them from engine replies.
 */
import type { EvalReport, StepRecord } from '../../../engine/protocol';
import type { CompareRun, CompareRunStatus, Comparison, ComparisonStatus } from '../../../state/comparison';
import type { CompareVariant } from './presets';

export type {
  CompareRun,
  CompareRunStatus,
  Comparison,
  ComparisonStatus,
  CoveragePoint,
} from '../../../state/comparison';

export function newComparison(
  id: string,
  title: string,
  variants: readonly CompareVariant[],
  options: { steps: number; evalEvery: number },
  now = Date.now(),
): Comparison {
  return {
    id,
    title,
    startedAt: now,
    finishedAt: null,
    steps: options.steps,
    evalEvery: options.evalEvery,
    status: 'running',
    message: null,
    runs: variants.map((v) => ({
      id: v.id,
      label: v.label,
      config: v.config,
      status: v.config ? 'pending' : 'skipped',
      error: v.problem,
      train: { steps: [], loss: [] },
      val: [],
      coverage: [],
      recall: [],
      stepMsTotal: 0,
      stepsDone: 0,
      parameters: null,
    })),
  };
}

function updateRun(c: Comparison, id: string, change: (r: CompareRun) => CompareRun): Comparison {
  return { ...c, runs: c.runs.map((r) => (r.id === id ? change(r) : r)) };
}

export function setRunStatus(
  c: Comparison,
  id: string,
  status: CompareRunStatus,
  error: string | null = null,
) {
  return updateRun(c, id, (r) => ({ ...r, status, error }));
}

export function setRunParameters(c: Comparison, id: string, parameters: number): Comparison {
  return updateRun(c, id, (r) => ({ ...r, parameters }));
}

export function recordSteps(c: Comparison, id: string, records: readonly StepRecord[]): Comparison {
  return updateRun(c, id, (r) => ({
    ...r,
    train: {
      steps: [...r.train.steps, ...records.map((s) => s.step)],
      loss: [...r.train.loss, ...records.map((s) => s.loss)],
    },
    stepMsTotal: r.stepMsTotal + records.reduce((t, s) => t + s.ms, 0),
    stepsDone: r.stepsDone + records.length,
  }));
}

export function recordEval(c: Comparison, id: string, report: EvalReport): Comparison {
  return updateRun(c, id, (r) => {
    const first = report.memories[0];
    return {
      ...r,
      val: [...r.val, { step: report.step, loss: report.loss }],
      coverage: first
        ? [
            ...r.coverage,
            {
              step: report.step,
              layer: first.layer,
              usage: first.metrics.usage,
              kl_w: first.metrics.kl_w,
              gini: first.metrics.gini_w,
              top90: first.metrics.top90_w,
            },
          ]
        : r.coverage,
      recall: report.recall
        ? [
            ...r.recall,
            { step: report.step, accuracy: report.recall.accuracy, answerLoss: report.recall.answerLoss },
          ]
        : r.recall,
    };
  });
}

export function finishComparison(
  c: Comparison,
  status: ComparisonStatus,
  message: string | null = null,
  now = Date.now(),
): Comparison {
  return {
    ...c,
    status,
    message,
    finishedAt: now,
    // Runs that never started stay listed as cancelled.
    runs: c.runs.map((r) =>
      r.status === 'pending' || r.status === 'running' ? { ...r, status: 'cancelled' } : r,
    ),
  };
}

/** Mean of the last `fraction` of a run's training losses (a steadier "final loss" than the last step). */
export function finalTrainLoss(run: CompareRun, fraction = 0.1): number | null {
  const n = run.train.loss.length;
  if (n === 0) return null;
  const tail = run.train.loss.slice(Math.max(0, n - Math.max(1, Math.round(n * fraction))));
  const finite = tail.filter(Number.isFinite);
  return finite.length > 0 ? finite.reduce((a, b) => a + b, 0) / finite.length : null;
}

export function meanStepMs(run: CompareRun): number | null {
  return run.stepsDone > 0 ? run.stepMsTotal / run.stepsDone : null;
}

/** Whether a value read back from storage or a file is a Comparison this code can show. */
export function isComparison(value: unknown): value is Comparison {
  if (!value || typeof value !== 'object') return false;
  const c = value as Partial<Comparison>;
  return (
    typeof c.id === 'string' &&
    typeof c.title === 'string' &&
    Array.isArray(c.runs) &&
    c.runs.every(
      (r) =>
        r &&
        typeof r.id === 'string' &&
        typeof r.label === 'string' &&
        Array.isArray(r.train?.steps) &&
        Array.isArray(r.train?.loss) &&
        Array.isArray(r.val) &&
        Array.isArray(r.coverage),
    )
  );
}
