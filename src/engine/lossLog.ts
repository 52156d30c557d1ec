/**
 * Every training loss of the current model, kept by the engine so a checkpoint carries the loss
 * curve (a run loaded from a file, a saved run or a restarted worker shows how it got there).
 * 4 bytes a step: a million steps is 4 MB.
 */
import type { LossRecord } from './checkpoint';

export class LossLog {
  private data = new Float32Array(1024);
  private length = 0;
  private start = 1;

  /** Starts over: the next recorded loss is that of step `nextStep`, after those of `from`. */
  reset(nextStep: number, from: LossRecord | null = null): void {
    this.length = 0;
    this.start = nextStep;
    // A history that does not end right before the next step would leave a gap: dropped.
    if (from && from.start + from.loss.length === nextStep) {
      this.start = from.start;
      this.ensure(from.loss.length);
      this.data.set(from.loss);
      this.length = from.loss.length;
    }
  }

  /** The loss of `step`; a step that does not follow the last one restarts the log there. */
  record(step: number, loss: number): void {
    if (step !== this.start + this.length) this.reset(step);
    this.ensure(this.length + 1);
    this.data[this.length++] = loss;
  }

  /** A copy of the log (null when it is empty). */
  saved(): LossRecord | null {
    return this.length === 0 ? null : { start: this.start, loss: this.data.slice(0, this.length) };
  }

  private ensure(size: number): void {
    if (size <= this.data.length) return;
    const next = new Float32Array(Math.max(size, this.data.length * 2));
    next.set(this.data.subarray(0, this.length));
    this.data = next;
  }
}
