import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from '../config';
import type { TokenBatch } from '../corpus/dataset';
import { sumOfSquares } from '../ops/gradNorm';
import { ensureSharedWasmIdentity } from '../ops/wasm/identity';
import type { PkmModel } from '../transformer';
import { type AdamState, createDenseAdam } from './adam';
import { learningRate } from './schedule';

export interface StepResult {
  /** 1-based number of this step. */
  step: number;
  /** Training loss of the batch before the update (nats per token). */
  loss: number;
  /** Global norm of the dense gradients before clipping. */
  gradNorm: number;
  /** Norm of the memory value-row gradients. */
  valueGradNorm: number;
  /** Dense learning rate used. */
  lr: number;
  /** Wall time of the step: from its start to the next step's start (or the flush that read it). */
  ms: number;
}

/** A step whose loss or gradient was NaN or infinite: it was not applied. */
export class TrainingDivergedError extends Error {
  constructor(
    readonly step: number,
    readonly loss: number,
    readonly gradNorm: number,
    readonly valueGradNorm: number,
    lr: number,
  ) {
    const what = !Number.isFinite(loss)
      ? `the loss is ${loss}`
      : !Number.isFinite(gradNorm)
        ? `the gradient norm is ${gradNorm}`
        : `the memory value gradient norm is ${valueGradNorm}`;
    super(
      `Training diverged at step ${step}: ${what}. The step was not applied; the weights are those after ` +
        `step ${step - 1}. Lower lr (now ${lr.toPrecision(3)} at this step) or value_lr, or set a clip.`,
    );
    this.name = 'TrainingDivergedError';
  }
}

/** The factor that brings a gradient of global norm `norm` down to `clip` (0 = no clipping). */
export function clipScale(norm: number, clip: number): number {
  return clip > 0 && norm > clip ? clip / norm : 1;
}

export interface Trainer {
  /** Steps applied or queued so far, less those found skipped (a diverged step and any after it). */
  readonly steps: number;
  /**
   * Queues one optimisation step on a [batch, context + 1] batch without waiting for the device,
   * then resolves with the previous step's stats (null when there was none outstanding): a step's
   * stats are read while the next one is on the device. Throws TrainingDivergedError when the
   * previous step diverged; that step and this one were skipped on the device, and the weights are
   * those of the step before it.
   */
  step(batch: TokenBatch): Promise<StepResult | null>;
  /** Resolves the outstanding step's stats (null if none). Throws TrainingDivergedError. */
  flush(): Promise<StepResult | null>;
  /** Whether a queued step's stats are still to be read (by the next step or flush). */
  readonly outstanding: boolean;
  /** Dense optimiser state, for checkpoints (memory value moments live in the memory modules). */
  readOptimizerState(): Promise<AdamState>;
  loadOptimizerState(state: AdamState): void;
  dispose(): void;
}

/** One step and its own stats: `step` then `flush` (for callers that need each result at once). */
export async function stepAndFlush(trainer: Trainer, batch: TokenBatch): Promise<StepResult> {
  if (trainer.outstanding) throw new Error('stepAndFlush: a step is outstanding: flush the trainer first');
  await trainer.step(batch);
  const result = await trainer.flush();
  if (!result) throw new Error('stepAndFlush: the step left no stats');
  return result;
}

/** A queued step whose stats have not been read yet. */
interface PendingStep {
  number: number;
  /** [loss, gradNorm, valueGradNorm] on the device. */
  stats: tf.Tensor1D;
  lr: number;
  start: number;
  /** Each memory's value step before this step (put back if the step was skipped). */
  valueSteps: (number | undefined)[];
}

/**
 * Trains `model`: dense parameters (the transformer's and the memories' query networks and keys)
 * with global-norm clipping and Adam under warm-up + inverse-sqrt decay; memory values with their
 * own sparse Adam at the constant config.value_lr (inside the memory module).
 *
 * Nothing inside a step waits for the device: the clip scale and the NaN/Inf guard are computed
 * there into a [gradScale, apply] control tensor that every update reads. `apply` is sticky: once a
 * step is non-finite, every later step is skipped too until the CPU has read the bad step's stats
 * (one step later) and re-armed it, so the weights stay those of the last good step.
 */
export function createTrainer(
  model: PkmModel,
  config: Pick<ModelConfig, 'lr' | 'warmup' | 'clip' | 'value_lr'> = model.config,
): Trainer {
  const adam = createDenseAdam();
  /** 1 while steps may apply, 0 from a non-finite step until the CPU re-arms it. */
  const armed = tf.tidy(() => tf.variable(tf.scalar(1), false));
  let pending: PendingStep | null = null;
  let busy = false;

  async function exclusive<T>(fn: () => Promise<T>): Promise<T> {
    if (busy) throw new Error('a training step is already running: await it before starting the next');
    busy = true;
    try {
      return await fn();
    } finally {
      busy = false;
    }
  }

  async function queueStep(batch: TokenBatch): Promise<PendingStep> {
    const start = performance.now();
    ensureSharedWasmIdentity();
    const number = adam.step + 1;
    const dense = model.denseVariables();
    const memories = model.memories;
    const valueSteps = memories.map((m) => m.valueStep);
    // The value-gradient variables depend on the number of token states of the coming forward.
    const tokens = batch.batch * (batch.length - 1);
    const valueVars = memories.map((m) => m.valueGradientVariables(tokens));
    const flatValueVars = valueVars.flat();
    const { stats, control, denseGrads, valueGrads } = tf.tidy(() => {
      const sequences = tf.tensor2d(batch.tokens, [batch.batch, batch.length], 'int32');
      const { value, grads } = tf.variableGrads(
        () => model.loss(sequences, 'train').loss,
        [...dense, ...flatValueVars],
      );
      // A variable the loss does not reach gets no entry: its gradient is zero.
      const pick = (v: tf.Variable) => grads[v.name] ?? tf.zerosLike(v);
      const denseGrads = dense.map(pick);
      const valueGrads = flatValueVars.map(pick);
      // One fused kernel for the whole list where it can run (src/model/ops/gradNorm.ts).
      const sumSquares = (gs: tf.Tensor[]) => sumOfSquares(gs);
      const gradNorm = sumSquares(denseGrads).sqrt() as tf.Scalar;
      const stats = tf.stack([value, gradNorm, sumSquares(valueGrads).sqrt()]) as tf.Tensor1D;
      // x − x is 0 exactly when x is finite (NaN for NaN and ±Inf).
      const finite = tf.min(tf.cast(tf.equal(tf.sub(stats, stats), 0), 'float32'));
      const apply = tf.mul(armed, finite) as tf.Scalar;
      armed.assign(apply);
      const clip = config.clip;
      const scale =
        clip > 0 ? tf.where(tf.greater(gradNorm, clip), tf.div(clip, gradNorm), tf.scalar(1)) : tf.scalar(1);
      const control = tf.stack([scale, apply]) as tf.Tensor1D;
      return { stats, control, denseGrads, valueGrads };
    });
    const lr = learningRate(number, config.lr, config.warmup);
    try {
      adam.apply(dense, denseGrads, lr, control);
      let offset = 0;
      for (let i = 0; i < memories.length; i++) {
        const grads = valueGrads.slice(offset, offset + valueVars[i].length);
        offset += valueVars[i].length;
        await memories[i].applyValueGradients(grads, config.value_lr, control);
        memories[i].commitBatchStatistics(control);
      }
    } catch (err) {
      stats.dispose();
      throw err;
    } finally {
      tf.dispose([control, ...denseGrads, ...valueGrads]);
    }
    return { number, stats, lr, start, valueSteps };
  }

  /**
   * Reads a queued step's stats. A non-finite one means the device skipped it and every step
   * queued after it: the step counters go back to before it and the guard is re-armed.
   */
  async function settle(step: PendingStep, next: PendingStep | null, end: number): Promise<StepResult> {
    let values: Float32Array;
    try {
      values = (await step.stats.data()) as Float32Array;
    } finally {
      step.stats.dispose();
    }
    const [loss, gradNorm, valueGradNorm] = values;
    if (!Number.isFinite(loss) || !Number.isFinite(gradNorm) || !Number.isFinite(valueGradNorm)) {
      next?.stats.dispose();
      adam.rewind(step.number - 1);
      model.memories.forEach((memory, i) => {
        const before = step.valueSteps[i];
        if (before !== undefined) memory.valueStep = before;
      });
      tf.tidy(() => armed.assign(tf.scalar(1)));
      throw new TrainingDivergedError(step.number, loss, gradNorm, valueGradNorm, step.lr);
    }
    // ms: this step's share of the wall clock, from its start to the next one's (or the flush).
    return { step: step.number, loss, gradNorm, valueGradNorm, lr: step.lr, ms: end - step.start };
  }

  return {
    get steps() {
      return adam.step;
    },
    get outstanding() {
      return pending !== null;
    },
    step: (batch) =>
      exclusive(async () => {
        const previous = pending;
        pending = null;
        let queued: PendingStep;
        try {
          queued = await queueStep(batch);
        } catch (err) {
          previous?.stats.dispose();
          throw err;
        }
        if (!previous) {
          pending = queued;
          return null;
        }
        try {
          const result = await settle(previous, queued, queued.start);
          pending = queued;
          return result;
        } catch (err) {
          queued.stats.dispose();
          throw err;
        }
      }),
    flush: () =>
      exclusive(async () => {
        const last = pending;
        pending = null;
        return last ? settle(last, null, performance.now()) : null;
      }),
    readOptimizerState: () => adam.readState(),
    loadOptimizerState: (state) => {
      // The outstanding step belongs to the state being replaced: its stats no longer apply.
      pending?.stats.dispose();
      pending = null;
      adam.loadState(state, model.denseVariables());
    },
    dispose: () => {
      pending?.stats.dispose();
      pending = null;
      armed.dispose();
      adam.dispose();
    },
  };
}
