/**
 * What the session sends the client unasked while a model exists: snapshots (throttled, with a
 * trailing one when the throttle held one back) and recovery checkpoints (a copy of the model
 * for a restarted worker). Apart from training because commands and builds send them too.
 */
import { runCheckpoint } from '../run';
import type { SessionCore } from './core';
import type { RunRecords } from './records';

export class UpdateSender {
  private trailingSnapshot: ReturnType<typeof setTimeout> | null = null;
  /** When the client last got (or could rebuild on its own) the model's state, performance.now(). */
  lastCheckpointAt = 0;

  constructor(
    private readonly core: SessionCore,
    private readonly records: RunRecords,
  ) {}

  /** Forgets a snapshot the throttle held back (its model is going away). */
  cancelTrailingSnapshot(): void {
    if (this.trailingSnapshot) clearTimeout(this.trailingSnapshot);
    this.trailingSnapshot = null;
  }

  /**
   * Sends a snapshot when `force`d or when the throttle allows; a throttled one is sent once the
   * window has passed even if no step follows (slow mode, a pause). Call under the lock.
   */
  async snapshot(force: boolean): Promise<void> {
    const core = this.core;
    const run = core.run;
    if (!run) return;
    const wait = core.snapshots.wait(core.options.snapshotHz);
    if (!force && wait > 0) {
      this.trailingSnapshot ??= setTimeout(() => {
        this.trailingSnapshot = null;
        void core.exclusive(() => this.snapshot(false)).catch(() => undefined);
      }, wait);
      return;
    }
    this.cancelTrailingSnapshot();
    const { snapshot, transfer, dropSelection } = await core.snapshots.compose(
      run,
      {
        state: core.state,
        backend: core.backend!.backend,
        options: core.options,
        selection: core.selection,
        trainingSince: core.training ? core.trainingSince : null,
        time: performance.now() - core.startedAt,
      },
      force,
    );
    // A selection that no longer fits the model (e.g. after a new config) is dropped.
    if (dropSelection) core.selection = null;
    core.emit({ type: 'snapshot', snapshot }, transfer);
  }

  /** Whether training has gone `checkpointEveryMs` without sending a recovery checkpoint. */
  recoveryCheckpointDue(): boolean {
    const every = this.core.options.checkpointEveryMs;
    return this.core.training && every > 0 && performance.now() - this.lastCheckpointAt >= every;
  }

  /** Sends the client a copy of the model to restart from, when it changed since the last one. */
  async recoveryCheckpoint(): Promise<void> {
    const run = this.core.run;
    this.lastCheckpointAt = performance.now();
    if (!run || this.core.options.checkpointEveryMs === 0) return;
    await this.records.settle(run);
    if (run.checkpointStep === run.trainer.steps) return;
    const file = await runCheckpoint(run, this.records.histories());
    run.checkpointStep = file.step;
    this.core.emit({ type: 'checkpoint', checkpoint: file }, [file.bytes.buffer as ArrayBuffer]);
  }
}
