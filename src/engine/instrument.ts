/**
 * What the engine needs to see inside the model without changing it: the token states entering
 * each memory (for traces), the slots each training step read (for the live usage maps), and a
 * way to make one step's loss NaN (to test that a diverged step is refused).
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelConfig } from '../model/config';
import { createMemory, type PkmMemoryModule } from '../model/memory/createMemory';
import { memorySpecFromConfig } from '../model/memory/spec';
import type {
  ForwardMode,
  MemoryModule,
  MemoryRead,
  MemorySpec,
  MemoryTrace,
  MemoryWeights,
} from '../model/memory/types';
import type { ValueOptimizerState } from '../model/memory/valuePool';
import type { LossResult, MemoryFactory, PkmModel } from '../model/transformer';

/** Collects the inputs of eval-mode memory forwards while `collect` runs. */
export class InputCapture {
  private sink: Map<MemoryModule, tf.Tensor2D> | null = null;

  /**
   * Runs `fn` (inside the caller's tf.tidy) and returns what it returned with the [N, d_model]
   * input of each memory's last eval forward during it (tensors owned by that tidy).
   */
  collect<T>(fn: () => T): { result: T; inputs: Map<MemoryModule, tf.Tensor2D> } {
    const inputs = new Map<MemoryModule, tf.Tensor2D>();
    this.sink = inputs;
    try {
      return { result: fn(), inputs };
    } finally {
      this.sink = null;
    }
  }

  record(memory: MemoryModule, x: tf.Tensor2D): void {
    this.sink?.set(memory, x);
  }
}

/** The values' sparse Adam state of one memory (moments and global step; a shared pool's for all). */
export type { ValueOptimizerState };

/** A memory module that reports its eval inputs to an InputCapture; everything else is the inner module's. */
export class CapturingMemory implements MemoryModule {
  constructor(
    readonly inner: PkmMemoryModule,
    private readonly capture: InputCapture,
  ) {}
  get spec(): MemorySpec {
    return this.inner.spec;
  }
  forward(x: tf.Tensor2D, mode: ForwardMode): MemoryRead {
    if (mode === 'eval') this.capture.record(this, x);
    return this.inner.forward(x, mode);
  }
  denseVariables(): tf.Variable[] {
    return this.inner.denseVariables();
  }
  valueGradientVariables(n?: number): tf.Variable[] {
    return this.inner.valueGradientVariables(n);
  }
  applyValueGradients(grads: tf.Tensor[], lr: number, control?: tf.Tensor1D): Promise<void> {
    return this.inner.applyValueGradients(grads, lr, control);
  }
  commitBatchStatistics(control?: tf.Tensor1D): void {
    this.inner.commitBatchStatistics(control);
  }
  get valueStep(): number {
    return this.inner.valueStep;
  }
  set valueStep(step: number) {
    this.inner.valueStep = step;
  }
  trace(x: Float32Array): Promise<MemoryTrace> {
    return this.inner.trace(x);
  }
  readWeights(): Promise<MemoryWeights> {
    return this.inner.readWeights();
  }
  readValueOptimizerState(): Promise<ValueOptimizerState> {
    return this.inner.readValueOptimizerState();
  }
  loadValueOptimizerState(state: ValueOptimizerState): void {
    this.inner.loadValueOptimizerState(state);
  }
  dispose(): void {
    this.inner.dispose();
  }
}

/** The model's default memories, each wrapped to report its inputs to `capture`. */
export function capturingMemoryFactory(capture: InputCapture): MemoryFactory {
  return {
    spec: (config: ModelConfig) => memorySpecFromConfig(config),
    create: (spec, init, valuePool) => new CapturingMemory(createMemory(spec, init, { valuePool }), capture),
  };
}

/** The model's memories as built by capturingMemoryFactory. */
export function capturingMemories(model: PkmModel): CapturingMemory[] {
  return model.memories.map((m) => {
    if (!(m instanceof CapturingMemory))
      throw new Error('the model was not built with capturingMemoryFactory');
    return m;
  });
}

/** The slots and weights one memory read in one training step, [N, heads, knn]. */
export interface StepReads {
  slots: tf.Tensor3D;
  weights: tf.Tensor3D;
}

/** Sees every training loss the trainer computes. */
export class TrainingTap {
  /** Poison the next training loss with NaN (debug). */
  nanNext = false;
  private last: StepReads[] | null = null;

  /** Called inside the trainer's gradient tape: keeps copies of the reads, maybe poisons the loss. */
  onTrainLoss(result: LossResult): LossResult {
    this.discard();
    this.last = result.reads.map((r) => ({
      slots: tf.keep(tf.clone(r.slots)),
      weights: tf.keep(tf.clone(r.weights)),
    }));
    if (!this.nanNext) return result;
    this.nanNext = false;
    return { ...result, loss: tf.mul(result.loss, Number.NaN) as tf.Scalar };
  }

  /** The reads of the last training forward (the caller owns them), or null. */
  take(): StepReads[] | null {
    const last = this.last;
    this.last = null;
    return last;
  }

  discard(): void {
    if (this.last) for (const r of this.last) tf.dispose([r.slots, r.weights]);
    this.last = null;
  }
}

/** `model` with its training loss seen by `tap` (the trainer calls loss(…, 'train')). */
export function tapModel(model: PkmModel, tap: TrainingTap): PkmModel {
  const tapped = Object.create(model) as PkmModel & { loss: PkmModel['loss'] };
  tapped.loss = (sequences, mode) => {
    const result = model.loss(sequences, mode);
    return mode === 'train' ? tap.onTrainLoss(result) : result;
  };
  return tapped;
}
