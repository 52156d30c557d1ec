/**
 * Training the current run: the continuous loop (fast or slow pace, started and stopped by
 * commands), single steps on request, and what follows each step (periodic evaluation and recall,
 * snapshots, recovery checkpoints). A failing step becomes a fault here, never a thrown error.
 */
import { TrainingDivergedError } from '../../model/training/trainer';
import { EngineError, isOutOfMemory, toCommandError } from '../errors';
import { MAX_PENDING_STEPS } from '../liveUsage';
import type { EngineStatus, StepRecord } from '../protocol/commands';
import type { TrainingPace } from '../protocol/state';
import { evaluateRun, measureRecall, type Run, stepRun } from '../run';
import { interruptibleSleep, yieldToEvents } from '../scheduling';
import { settleDeviceLoss } from './backend';
import type { SessionCore } from './core';
import type { RunRecords } from './records';
import type { UpdateSender } from './updates';

export class TrainingLoop {
  private loop: Promise<void> | null = null;
  /** Debug 'fail-next-step': the next training step throws. */
  failNextStep = false;

  constructor(
    private readonly core: SessionCore,
    private readonly records: RunRecords,
    private readonly updates: UpdateSender,
  ) {}

  start(pace: TrainingPace): EngineStatus {
    const core = this.core;
    core.pace = pace;
    core.setState(pace.kind === 'slow' ? 'slow' : 'running');
    if (!core.training) {
      core.training = true;
      core.trainingSince = performance.now();
      this.loop = this.trainLoop();
    }
    core.wakeLoop?.();
    return core.status();
  }

  async stop(): Promise<void> {
    this.core.training = false;
    this.core.wakeLoop?.();
    await this.loop;
  }

  private async trainLoop(): Promise<void> {
    const core = this.core;
    try {
      while (core.training) {
        const began = performance.now();
        await core.exclusive(() => this.trainStep());
        if (!core.training) break;
        if (core.pace.kind === 'slow') {
          const sleep = interruptibleSleep(core.pace.intervalMs - (performance.now() - began));
          core.wakeLoop = sleep.wake;
          await sleep.done;
          core.wakeLoop = null;
        } else {
          await yieldToEvents();
        }
      }
    } finally {
      this.loop = null;
      if (!core.deviceLost && !core.closed && core.run) {
        if (core.state === 'running' || core.state === 'slow') core.setState('paused');
        await core
          .exclusive(async () => {
            // The last step's stats first, so the final snapshot carries its loss.
            if (core.run) await this.records.settle(core.run);
            await this.updates.snapshot(true);
            await this.updates.recoveryCheckpoint();
          })
          .catch((err) => {
            if (!core.reportedDivergence.has(err)) core.fault('internal', (err as Error).message, 'paused');
          });
      }
    }
  }

  /** One step under the lock; a fault stops training instead of throwing. */
  private async trainStep(): Promise<void> {
    const core = this.core;
    const run = core.run;
    if (!run || !core.training) return;
    try {
      if (this.failNextStep) {
        this.failNextStep = false;
        throw new Error('debug fail-next-step: the step failed');
      }
      await this.stepOnce(run);
      await this.afterStep(run);
    } catch (err) {
      core.training = false;
      if (!core.deviceLost) await settleDeviceLoss();
      if (core.deviceLost) return;
      if (core.reportedDivergence.has(err as Error)) return;
      core.setState('faulted');
      if (err instanceof TrainingDivergedError) core.fault('diverged', err.message, 'paused');
      else if (isOutOfMemory(err)) core.fault('out-of-memory', toCommandError(err).message, 'paused');
      else core.fault('internal', `Training stopped: ${(err as Error).message}`, 'paused');
    }
  }

  /** Queues one step; records and returns the previous step's stats (one step late, or null). */
  private async stepOnce(run: Run): Promise<StepRecord | null> {
    return this.records.record(await stepRun(run));
  }

  /** Periodic evaluation and recall, a throttled snapshot, a periodic recovery checkpoint. */
  private async afterStep(run: Run): Promise<void> {
    const core = this.core;
    const step = run.trainer.steps;
    if (core.options.evalEvery > 0 && step % core.options.evalEvery === 0) {
      core.snapshots.latestEval = await evaluateRun(run, core.options.evalBatches, false);
    }
    // After the step is queued, as validation: its readback waits for that step, not inside it.
    if (core.options.recallEvery > 0 && step % core.options.recallEvery === 0) {
      const point = await measureRecall(run);
      if (point) this.records.recalled(point);
    }
    if (run.usage.pendingSteps >= MAX_PENDING_STEPS) await run.usage.flush();
    await this.updates.snapshot(false);
    if (this.updates.recoveryCheckpointDue()) await this.updates.recoveryCheckpoint();
  }

  /** The `step` command: `count` steps while paused, then a snapshot and a recovery checkpoint. */
  async steps(count: number): Promise<StepRecord[]> {
    const core = this.core;
    if (core.training)
      throw new EngineError('invalid-state', 'training is running: pause it before single steps');
    const run = core.run!;
    if (core.state === 'faulted') core.setState('paused');
    const records: StepRecord[] = [];
    try {
      for (let i = 0; i < count; i++) {
        const previous = await this.stepOnce(run);
        if (previous) records.push(previous);
        await this.afterStep(run);
      }
      const last = await this.records.settle(run);
      if (last) records.push(last);
    } catch (err) {
      if (err instanceof TrainingDivergedError && !core.reportedDivergence.has(err)) {
        core.setState('faulted');
        core.fault('diverged', err.message, 'paused');
      }
      throw err;
    } finally {
      if (core.run === run) await this.updates.snapshot(true);
    }
    await this.updates.recoveryCheckpoint();
    return records;
  }
}
