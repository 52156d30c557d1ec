import type { BatchSampler } from '../corpus/dataset';
import type { StepResult, Trainer } from './trainer';

export interface TrainSummary {
  /** Steps run by this call. */
  steps: number;
  /** The trainer's step count afterwards. */
  totalSteps: number;
  firstLoss: number;
  lastLoss: number;
  /** Mean training loss over this call's steps. */
  meanLoss: number;
  ms: number;
  /** True when `signal` stopped the run early. */
  aborted: boolean;
}

/**
 * Runs `steps` training steps on batches from `sampler`, calling `onProgress` with each step's
 * stats (it may be async). The stats of a step arrive while the next one is queued, so when
 * onProgress runs the weights may already include the next step (at most one ahead). Stops early,
 * between steps, when `signal` aborts.
 * A diverging step throws TrainingDivergedError (the weights stay those of the last good step).
 */
export async function trainFor(
  trainer: Trainer,
  sampler: BatchSampler,
  steps: number,
  onProgress?: (result: StepResult) => void | Promise<void>,
  signal?: AbortSignal,
): Promise<TrainSummary> {
  if (!Number.isInteger(steps) || steps < 0)
    throw new RangeError(`steps must be a whole number ≥ 0 (got ${steps})`);
  const start = performance.now();
  let done = 0;
  let first = Number.NaN;
  let last = Number.NaN;
  let sum = 0;
  const take = async (result: StepResult | null) => {
    if (!result) return;
    if (done === 0) first = result.loss;
    last = result.loss;
    sum += result.loss;
    done++;
    await onProgress?.(result);
  };
  // A step resolves with the previous one's stats: `queued` counts steps sent to the device.
  let queued = 0;
  try {
    while (queued < steps && !signal?.aborted) {
      queued++;
      await take(await trainer.step(sampler.next()));
    }
  } catch (err) {
    // Leave no step outstanding (its stats, or its divergence, are dropped with the first error).
    await trainer.flush().catch(() => undefined);
    throw err;
  }
  await take(await trainer.flush());
  return {
    steps: done,
    totalSteps: trainer.steps,
    firstLoss: first,
    lastLoss: last,
    meanLoss: done > 0 ? sum / done : Number.NaN,
    ms: performance.now() - start,
    aborted: done < steps,
  };
}
