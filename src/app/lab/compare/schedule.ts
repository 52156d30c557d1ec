/**
 * What a compared run does, in order: evaluate, train in batches, evaluate at every checkpoint of
 * the curve and at the end. Batches are small so that progress shows and cancel answers quickly.
 */
export type CompareTask = { kind: 'eval'; step: number } | { kind: 'steps'; from: number; count: number };

export interface ScheduleOptions {
  /** Training steps of each run (1 to 100,000). */
  steps: number;
  /** Validation every this many steps (and at 0 and at the end). */
  evalEvery: number;
  /** Most steps in one engine request. */
  maxBatch: number;
}

export function scheduleProblem({ steps, evalEvery, maxBatch }: ScheduleOptions): string | null {
  if (!Number.isInteger(steps) || steps < 1 || steps > 100_000)
    return 'steps must be a whole number from 1 to 100,000';
  if (!Number.isInteger(evalEvery) || evalEvery < 1)
    return 'evaluate every must be a whole number of steps, at least 1';
  if (!Number.isInteger(maxBatch) || maxBatch < 1 || maxBatch > 1000)
    return 'the batch must be 1 to 1,000 steps';
  return null;
}

export function compareSchedule(options: ScheduleOptions): CompareTask[] {
  const problem = scheduleProblem(options);
  if (problem) throw new RangeError(problem);
  const { steps, evalEvery, maxBatch } = options;
  const tasks: CompareTask[] = [{ kind: 'eval', step: 0 }];
  let step = 0;
  while (step < steps) {
    const nextEval = Math.min(steps, (Math.floor(step / evalEvery) + 1) * evalEvery);
    while (step < nextEval) {
      const count = Math.min(maxBatch, nextEval - step);
      tasks.push({ kind: 'steps', from: step, count });
      step += count;
    }
    tasks.push({ kind: 'eval', step });
  }
  return tasks;
}

/** Steps trained by a schedule (for progress). */
export function scheduleSteps(tasks: readonly CompareTask[]): number {
  return tasks.reduce((n, t) => n + (t.kind === 'steps' ? t.count : 0), 0);
}
