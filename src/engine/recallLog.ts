/**
 * Every fact-recall measurement of the current model, kept by the engine so a checkpoint carries
 * the recall curve as it carries the loss curve. A point every `recallEvery` steps is a few
 * hundred bytes per hundred thousand steps.
 */
import type { RecallPoint } from './protocol/evaluation';

export class RecallLog {
  private points: RecallPoint[] = [];

  /** Starts over with the points of `from` measured before `nextStep` (a checkpoint's history). */
  reset(nextStep: number, from: readonly RecallPoint[] | null = null): void {
    this.points = (from ?? []).filter((p) => p.step < nextStep).map((p) => ({ ...p }));
  }

  /**
   * Adds a measurement. One of a step already measured (an `evaluate` after the periodic one)
   * replaces it, and one of an earlier step drops the later points: steps stay ascending.
   */
  add(point: RecallPoint): void {
    const last = this.points.at(-1);
    if (last && last.step >= point.step) this.points = this.points.filter((p) => p.step < point.step);
    this.points.push({ ...point });
  }

  /** A copy of the history (null when it is empty). */
  saved(): RecallPoint[] | null {
    return this.points.length === 0 ? null : this.points.map((p) => ({ ...p }));
  }
}
