/**
 * Runs a comparison on the one engine: the user's run is kept first (a checkpoint, the figures'
 * history, the engine's options), then each variant is built from the same seed and data, trained
 * for the same steps in small batches and evaluated on the schedule; at the end (also after a
 * cancel or a failure) the user's run is loaded back, so nothing is lost.
 */
import type { CheckpointFile, EngineOptions, EvalReport, ModelInfo } from '../../../engine/protocol';
import type { ModelConfig } from '../../../model/config';
import { useCompareStore } from '../../../state/compareStore';
import { useConfigStore } from '../../../state/configStore';
import { isTraining, useEngineStore } from '../../../state/engineStore';
import { useRunDataStore } from '../../../state/runDataStore';
import type { EngineConnection } from '../../engineConnection';
import { EngineRequestError } from '../../engineLink';
import { errorMessage, isCancelled } from '../common/errors';
import type { CompareVariant } from './presets';
import {
  type Comparison,
  finishComparison,
  newComparison,
  recordEval,
  recordSteps,
  setRunParameters,
  setRunStatus,
} from './results';
import { compareSchedule, scheduleSteps } from './schedule';

export interface ComparePlan {
  title: string;
  variants: CompareVariant[];
  steps: number;
  evalEvery: number;
  /**
   * Also measure fact recall at each evaluation (the knowledge corpus' probes): the engine's
   * `evaluate` command, much slower than the validation that runs inside training steps.
   */
  recall?: boolean;
  /** Most steps per engine request (default 10). */
  maxBatch?: number;
}

/** The run was changed by someone else (a new config applied, training started): stop everything. */
class Interrupted extends Error {}
class CancelledByUser extends Error {}

let counter = 0;

function sameConfig(a: ModelConfig | null | undefined, b: ModelConfig | null | undefined): boolean {
  return !!a && !!b && JSON.stringify(a) === JSON.stringify(b);
}

export async function runComparison(engine: EngineConnection, plan: ComparePlan): Promise<Comparison> {
  const store = useCompareStore.getState();
  if (store.progress) throw new Error('a comparison is already running');
  const withRecall = plan.recall ?? false;
  // Without recall, validation runs inside the step batches (the engine's evalEvery) and arrives in
  // snapshots; the protocol's `evaluate` always adds fact recall, so it is only used when asked for.
  const schedule = compareSchedule({
    steps: plan.steps,
    evalEvery: plan.evalEvery,
    maxBatch: plan.maxBatch ?? 10,
  }).filter((t) => withRecall || t.kind !== 'eval' || t.step > 0);
  let c = newComparison(`cmp-${Date.now()}-${++counter}`, plan.title, plan.variants, plan);
  const runnable = c.runs.filter((r) => r.config);
  const perRun = scheduleSteps(schedule);
  let done = 0;
  const progress = (run: number, phase: string) =>
    store.setProgress({ run, runs: runnable.length, done, total: perRun * runnable.length, phase });
  const put = (next: Comparison) => {
    c = next;
    useCompareStore.getState().put(c);
  };
  put(c);
  store.requestCancel(false);
  progress(0, 'keeping your run');

  const cancelled = () => useCompareStore.getState().cancelRequested;
  const before = {
    model: useEngineStore.getState().model,
    ...useRunDataStore.getState(),
  };
  let saved: CheckpointFile | null = null;
  let options: EngineOptions | null = null;
  let ending: { status: Comparison['status']; message: string | null } = { status: 'done', message: null };
  const evals = new EvalCollector(engine);
  try {
    if (isTraining(useEngineStore.getState().state)) await engine.pause();
    const status = await engine.request({ type: 'status' });
    options = status.options;
    if (status.config) saved = await engine.request({ type: 'saveCheckpoint' });
    // The figures' history as of now: the snapshots of the steps just before have arrived.
    Object.assign(before, useRunDataStore.getState());
    // Recovery copies and the live recall curve would only slow the compared runs down (the plan
    // measures recall itself when asked to).
    await engine.request({
      type: 'setOptions',
      options: { evalEvery: withRecall ? 0 : plan.evalEvery, checkpointEveryMs: 0, recallEvery: 0 },
    });
    const checkOwnership = () => {
      if (useEngineStore.getState().model !== before.model) {
        throw new Interrupted('the model was changed during the comparison (a new config, reset or load)');
      }
    };
    for (const [index, run] of runnable.entries()) {
      if (cancelled()) throw new CancelledByUser();
      put(setRunStatus(c, run.id, 'running'));
      progress(index, `building ${run.label}`);
      try {
        const info: ModelInfo = await engine.request({
          type: 'configure',
          config: run.config!,
          skipWarmupSteps: true,
        });
        checkOwnership();
        put(setRunParameters(c, run.id, info.parameters.dense + info.parameters.memoryValues));
        // The validation cadence of this run (the previous run's last batch may have changed it).
        if (!withRecall) await engine.request({ type: 'setOptions', options: { evalEvery: plan.evalEvery } });
        let step = info.step;
        for (const task of schedule) {
          if (cancelled()) throw new CancelledByUser();
          if (task.kind === 'eval') {
            if (withRecall) {
              progress(index, `evaluating ${run.label} at step ${task.step}`);
              const report = await engine.request({ type: 'evaluate' });
              checkOwnership();
              put(recordEval(c, run.id, report));
            } else {
              const report = await evals.at(task.step);
              if (report) put(recordEval(c, run.id, report));
            }
          } else {
            const end = task.from + task.count;
            progress(index, `training ${run.label}: step ${end} of ${plan.steps}`);
            if (!withRecall && end === plan.steps && end % plan.evalEvery !== 0) {
              // The last point of the curve is off the cadence: validate there too.
              await engine.request({ type: 'setOptions', options: { evalEvery: end } });
            }
            evals.reset();
            const records = await engine.request({ type: 'step', count: task.count });
            checkOwnership();
            if (records.length !== task.count || records[0]?.step !== step + 1) {
              throw new Interrupted(
                'the engine trained other steps than asked (was training started meanwhile?)',
              );
            }
            step += records.length;
            done += records.length;
            put(recordSteps(c, run.id, records));
          }
        }
        put(setRunStatus(c, run.id, 'done'));
      } catch (err) {
        if (err instanceof CancelledByUser || isCancelled(err) || cancelled()) throw new CancelledByUser();
        if (err instanceof Interrupted) throw err;
        if (err instanceof EngineRequestError && err.kind === 'invalid-state') {
          throw new Interrupted(`the engine refused: ${err.message}`);
        }
        // One run failing (e.g. too large for the memory cap) does not stop the others.
        put(setRunStatus(c, run.id, 'failed', errorMessage(err)));
      }
    }
  } catch (err) {
    if (err instanceof CancelledByUser)
      ending = { status: 'cancelled', message: 'Cancelled: the runs finished so far are kept.' };
    else if (err instanceof Interrupted)
      ending = { status: 'cancelled', message: `Stopped: ${err.message}.` };
    else ending = { status: 'failed', message: errorMessage(err) };
  } finally {
    evals.stop();
    progress(runnable.length - 1, 'bringing your run back');
    try {
      await restore(engine, before, saved, options);
    } catch (err) {
      ending = {
        status: ending.status === 'done' ? 'failed' : ending.status,
        message: `${ending.message ? `${ending.message} ` : ''}Your run could not be loaded back: ${errorMessage(err)}`,
      };
    }
    put(finishComparison(c, ending.status, ending.message));
    useCompareStore.getState().setProgress(null);
    useCompareStore.getState().requestCancel(false);
  }
  return c;
}

async function restore(
  engine: EngineConnection,
  before: {
    model: ModelInfo | null;
    data: ReturnType<typeof useRunDataStore.getState>['data'];
    reference: ReturnType<typeof useRunDataStore.getState>['reference'];
  },
  saved: CheckpointFile | null,
  options: EngineOptions | null,
): Promise<void> {
  if (options) {
    await engine.request({
      type: 'setOptions',
      options: {
        evalEvery: options.evalEvery,
        checkpointEveryMs: options.checkpointEveryMs,
        recallEvery: options.recallEvery,
      },
    });
  }
  const now = useEngineStore.getState().model;
  // The user applied a new config meanwhile: that model is theirs now, keep it.
  if (now !== before.model && sameConfig(now?.config, useConfigStore.getState().config)) return;
  if (saved) {
    const info = await engine.request({ type: 'loadCheckpoint', bytes: saved.bytes });
    useEngineStore.getState().modelReady(info);
    useRunDataStore.getState().replace({ ...before.data, step: info.step }, before.reference);
    await engine.select();
  } else {
    // No model (not built yet, or building failed): build the user's config again.
    await engine.configure();
  }
}

/**
 * Validation reports that the engine ran inside a step batch, taken from its snapshots (the reply
 * of `step` has only the losses). A report may arrive just after the reply: `at` waits briefly.
 */
class EvalCollector {
  private reports = new Map<number, EvalReport>();
  private waiting: { step: number; resolve: (r: EvalReport) => void } | null = null;
  private readonly off: () => void;

  constructor(engine: EngineConnection) {
    this.off = engine.listen((e) => {
      const report = e.type === 'snapshot' ? e.snapshot.eval : null;
      if (!report) return;
      this.reports.set(report.step, report);
      if (this.waiting?.step === report.step) this.waiting.resolve(report);
    });
  }

  reset(): void {
    this.reports.clear();
  }

  async at(step: number, timeoutMs = 3000): Promise<EvalReport | null> {
    const known = this.reports.get(step);
    if (known) return known;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting = null;
        resolve(null);
      }, timeoutMs);
      this.waiting = {
        step,
        resolve: (r) => {
          clearTimeout(timer);
          this.waiting = null;
          resolve(r);
        },
      };
    });
  }

  stop(): void {
    this.off();
  }
}
