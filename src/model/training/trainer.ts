import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from '../config';
import type { TokenBatch } from '../corpus/dataset';
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
  /** Wall time of the step. */
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
  /** Steps applied so far. */
  readonly steps: number;
  /** One optimisation step on a [batch, context + 1] batch. Throws TrainingDivergedError. */
  step(batch: TokenBatch): Promise<StepResult>;
  /** Dense optimiser state, for checkpoints (memory value moments live in the memory modules). */
  readOptimizerState(): Promise<AdamState>;
  loadOptimizerState(state: AdamState): void;
  dispose(): void;
}

/**
 * Trains `model`: dense parameters (the transformer's and the memories' query networks and keys)
 * with global-norm clipping and Adam under warm-up + inverse-sqrt decay; memory values with their
 * own sparse Adam at the constant config.value_lr (inside the memory module).
 */
export function createTrainer(
  model: PkmModel,
  config: Pick<ModelConfig, 'lr' | 'warmup' | 'clip' | 'value_lr'> = model.config,
): Trainer {
  const adam = createDenseAdam();
  let busy = false;

  async function step(batch: TokenBatch): Promise<StepResult> {
    if (busy) throw new Error('a training step is already running: await it before starting the next');
    busy = true;
    try {
      return await runStep(batch);
    } finally {
      busy = false;
    }
  }

  async function runStep(batch: TokenBatch): Promise<StepResult> {
    const start = performance.now();
    const number = adam.step + 1;
    const dense = model.denseVariables();
    const memories = model.memories;
    // The value-gradient variables depend on the number of token states of the coming forward.
    const tokens = batch.batch * (batch.length - 1);
    const valueVars = memories.map((m) => m.valueGradientVariables(tokens));
    const flatValueVars = valueVars.flat();
    const { stats, denseGrads, valueGrads } = tf.tidy(() => {
      const sequences = tf.tensor2d(batch.tokens, [batch.batch, batch.length], 'int32');
      const { value, grads } = tf.variableGrads(
        () => model.loss(sequences, 'train').loss,
        [...dense, ...flatValueVars],
      );
      // A variable the loss does not reach gets no entry: its gradient is zero.
      const pick = (v: tf.Variable) => grads[v.name] ?? tf.zerosLike(v);
      const denseGrads = dense.map(pick);
      const valueGrads = flatValueVars.map(pick);
      // stack, not addN: WebGPU's AddN binds every input at once and fails past 7 of them
      // (maxStorageBuffersPerShaderStage); its Concat splits large inputs lists.
      const sumSquares = (gs: tf.Tensor[]) =>
        gs.length === 0 ? tf.scalar(0) : tf.stack(gs.map((g) => g.square().sum())).sum();
      const stats = tf.stack([value, sumSquares(denseGrads).sqrt(), sumSquares(valueGrads).sqrt()]);
      return { stats, denseGrads, valueGrads };
    });
    const dispose = () => tf.dispose([stats, ...denseGrads, ...valueGrads]);
    const [loss, gradNorm, valueGradNorm] = await stats.data();
    const lr = learningRate(number, config.lr, config.warmup);
    if (!Number.isFinite(loss) || !Number.isFinite(gradNorm) || !Number.isFinite(valueGradNorm)) {
      dispose();
      throw new TrainingDivergedError(number, loss, gradNorm, valueGradNorm, lr);
    }
    try {
      const scale = clipScale(gradNorm, config.clip);
      adam.apply(dense, denseGrads, lr, scale);
      let offset = 0;
      for (let i = 0; i < memories.length; i++) {
        const grads = valueGrads.slice(offset, offset + valueVars[i].length);
        offset += valueVars[i].length;
        await memories[i].applyValueGradients(grads, config.value_lr);
        memories[i].commitBatchStatistics();
      }
    } finally {
      dispose();
    }
    return { step: number, loss, gradNorm, valueGradNorm, lr, ms: performance.now() - start };
  }

  return {
    get steps() {
      return adam.step;
    },
    step,
    readOptimizerState: () => adam.readState(),
    loadOptimizerState: (state) => adam.loadState(state, model.denseVariables()),
    dispose: () => adam.dispose(),
  };
}
