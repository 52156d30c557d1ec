/**
 * What a run's training produces, kept for snapshots and checkpoints: step stats, the loss and
 * fact-recall histories. Also the one place a queued step's stats are read (settle), where a
 * diverged step becomes a fault. Apart because training, updates and commands all record here.
 */
import { type StepResult, TrainingDivergedError } from '../../model/training/trainer';
import type { CheckpointContents } from '../checkpoint';
import { LossLog } from '../lossLog';
import type { StepRecord } from '../protocol/commands';
import type { RecallPoint } from '../protocol/evaluation';
import { RecallLog } from '../recallLog';
import type { Run } from '../run';
import type { SessionCore } from './core';

export class RunRecords {
  /** The current model's training losses, saved with its checkpoints. */
  private readonly losses = new LossLog();
  /** Its fact-recall measurements, saved with them too. */
  private readonly recall = new RecallLog();

  constructor(private readonly core: SessionCore) {}

  /** A new model starts its histories at `firstStep` (a checkpoint's, when it carries them). */
  reset(firstStep: number, checkpoint: CheckpointContents | null): void {
    this.losses.reset(firstStep, checkpoint?.losses ?? null);
    this.recall.reset(firstStep, checkpoint?.recall ?? null);
  }

  /**
   * Reads the outstanding step's stats (see Trainer.flush) and records them. A step found
   * diverged faults the engine here, wherever the stats are read, and throws.
   */
  async settle(run: Run): Promise<StepRecord | null> {
    try {
      return this.record(await run.trainer.flush());
    } catch (err) {
      if (err instanceof TrainingDivergedError) {
        this.core.training = false;
        this.core.setState('faulted');
        this.core.fault('diverged', err.message, 'paused');
        this.core.reportedDivergence.add(err);
      }
      throw err;
    }
  }

  record(result: StepResult | null): StepRecord | null {
    if (!result) return null;
    this.core.snapshots.recordStep(result);
    this.losses.record(result.step, result.loss);
    return { step: result.step, loss: result.loss, lr: result.lr, gradNorm: result.gradNorm, ms: result.ms };
  }

  /** Keeps a recall measurement for checkpoints and sends it with the next snapshot. */
  recalled(point: RecallPoint): void {
    this.recall.add(point);
    this.core.snapshots.recordRecall(point);
  }

  /** What a checkpoint keeps of how the model got here. */
  histories() {
    return { losses: this.losses.saved(), recall: this.recall.saved() };
  }
}
