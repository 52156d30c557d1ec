/**
 * What the next snapshot reports, gathered step by step, and how one is put together: the losses
 * of every step since the previous one, steady-state speed, the latest evaluation, the recall
 * measurements since the previous snapshot, the selected token's trace and the usage maps (each
 * with its own refresh rate), and tf.memory().
 */
import * as tf from '@tensorflow/tfjs';
import type { StepResult } from '../model/training/trainer';
import { EngineError } from './errors';
import { usageBuffers } from './liveUsage';
import type {
  BackendName,
  EngineOptions,
  EngineState,
  EvalReport,
  LayerUsage,
  RecallPoint,
  Snapshot,
  TfMemoryInfo,
  TokenSelection,
  TokenTrace,
} from './protocol';
import type { Run } from './run';
import { traceToken } from './tokenTrace';

export function tfMemory(): TfMemoryInfo {
  const m = tf.memory();
  return {
    numTensors: m.numTensors,
    numBytes: m.numBytes,
    numDataBuffers: m.numDataBuffers,
    unreliable: Boolean(m.unreliable),
  };
}

export interface SnapshotContext {
  state: EngineState;
  backend: BackendName;
  options: EngineOptions;
  selection: TokenSelection | null;
  /** When training (re)started, or null while not training. */
  trainingSince: number | null;
  /** ms since the engine started. */
  time: number;
}

export class SnapshotComposer {
  /** The latest validation result (repeated in every snapshot until a newer one). */
  latestEval: EvalReport | null = null;
  private seq = 0;
  private losses: number[] = [];
  private lossStart = 1;
  private recall: RecallPoint[] = [];
  private last = { lr: Number.NaN, gradNorm: Number.NaN };
  private steps = 0;
  private stepMs = 0;
  private lastAt = 0;
  private lastUsageAt = 0;
  private lastTraceAt = 0;
  private traceStep = -1;

  /** Forgets everything about the previous model (the sequence number goes on). */
  reset(nextStep: number): void {
    this.latestEval = null;
    this.losses = [];
    this.lossStart = nextStep;
    this.recall = [];
    this.last = { lr: Number.NaN, gradNorm: Number.NaN };
    this.steps = 0;
    this.stepMs = 0;
    this.lastAt = 0;
    this.lastUsageAt = 0;
    this.lastTraceAt = 0;
    this.traceStep = -1;
  }

  recordStep(result: StepResult): void {
    if (this.losses.length === 0) this.lossStart = result.step;
    this.losses.push(result.loss);
    this.last = { lr: result.lr, gradNorm: result.gradNorm };
    this.steps++;
    this.stepMs += result.ms;
  }

  /** A fact-recall measurement, sent with the next snapshot. */
  recordRecall(point: RecallPoint): void {
    this.recall.push({ ...point });
  }

  /** A trace the caller just made for the selection: no need to redo it for these weights. */
  traced(trace: TokenTrace): void {
    this.traceStep = trace.step;
    this.lastTraceAt = performance.now();
  }

  /** ms until the throttle allows the next snapshot (≤ 0: now). */
  wait(snapshotHz: number): number {
    return this.lastAt + 1000 / snapshotHz - performance.now();
  }

  /**
   * Builds the next snapshot. Pending training reads are always read back (one transfer), so the
   * device-side queue and numTensors stay flat; sending the maps and tracing are throttled
   * further unless `force`d. `dropSelection` is set when the selection no longer fits the model.
   */
  async compose(
    run: Run,
    ctx: SnapshotContext,
    force: boolean,
  ): Promise<{ snapshot: Snapshot; transfer: Transferable[]; dropSelection: boolean }> {
    const now = performance.now();
    await run.usage.flush();
    let usage: LayerUsage[] | null = null;
    if (force || now - this.lastUsageAt >= 1000 / ctx.options.usageHz) {
      usage = run.usage.maps();
      this.lastUsageAt = now;
    }
    const step = run.trainer.steps;
    let trace: TokenTrace | null = null;
    let dropSelection = false;
    if (
      ctx.selection &&
      this.traceStep !== step &&
      (force || now - this.lastTraceAt >= 1000 / ctx.options.traceHz)
    ) {
      try {
        trace = await traceToken(run.model, run.capture, ctx.selection, step);
        this.traced(trace);
      } catch (err) {
        if (!(err instanceof EngineError)) throw err;
        dropSelection = true;
      }
    }
    const since = ctx.trainingSince === null ? null : Math.max(this.lastAt, ctx.trainingSince);
    const elapsed = since === null ? 0 : (performance.now() - since) / 1000;
    const measured = this.steps > 0 && elapsed > 0;
    const losses = Float32Array.from(this.losses);
    const snapshot: Snapshot = {
      seq: ++this.seq,
      state: ctx.state,
      step,
      lossStart: this.losses.length > 0 ? this.lossStart : step + 1,
      losses,
      lr: this.last.lr,
      gradNorm: this.last.gradNorm,
      eval: this.latestEval,
      recall: this.recall,
      stepsPerSec: measured ? this.steps / elapsed : 0,
      tokensPerSec: measured ? (this.steps * run.config.batch * run.config.context) / elapsed : 0,
      stepMs: this.steps > 0 ? this.stepMs / this.steps : 0,
      trace,
      usage,
      tfMemory: tfMemory(),
      backend: ctx.backend,
      time: ctx.time,
    };
    this.losses = [];
    this.recall = [];
    this.steps = 0;
    this.stepMs = 0;
    this.lastAt = performance.now();
    return { snapshot, transfer: [losses.buffer, ...usageBuffers(usage)], dropSelection };
  }
}
