/**
 * Warm-up: every shader the engine will use is compiled before training shows a step time.
 * On WebGPU, a compile-only pass (WEBGPU_ENGINE_COMPILE_ONLY) records the training step, the
 * evaluation and the trace/generation shapes without running them, and the pipelines are awaited
 * together (checkCompileCompletionAsync); elsewhere one real evaluation forward does it. Then a
 * couple of real training steps compile what the compile-only pass cannot see (the optimiser, the
 * memory's sparse update), and the model and optimiser are put back as they were: warm-up does
 * not train.
 */
import * as tf from '@tensorflow/tfjs';
import type { BatchSampler, TokenBatch } from '../model/corpus/dataset';
import type { AdamState } from '../model/training/adam';
import type { Trainer } from '../model/training/trainer';
import type { ModelWeights, PkmModel } from '../model/transformer';
import { capturingMemories, type ValueOptimizerState } from './instrument';

interface CompileCapableBackend {
  checkCompileCompletionAsync(): Promise<void>;
}

/** Runs the fixed shapes of training, evaluation and tracing once; returns the time taken. */
export async function compileShapes(model: PkmModel, sample: TokenBatch): Promise<number> {
  const start = performance.now();
  const { batch, context } = model.config;
  const run = () =>
    tf.tidy(() => {
      const sequences = tf.tensor2d(sample.tokens, [sample.batch, sample.length], 'int32');
      const vars = [
        ...model.denseVariables(),
        ...model.memories.flatMap((m) => m.valueGradientVariables(batch * context)),
      ];
      const { value, grads } = tf.variableGrads(() => model.loss(sequences, 'train').loss, vars);
      const evalLoss = model.loss(sequences, 'eval').loss;
      const single = model.forward(tf.zeros([1, context], 'int32') as tf.Tensor2D, 'eval').logits;
      return [value, evalLoss, single, ...Object.values(grads)];
    });
  if (tf.getBackend() === 'webgpu') {
    tf.env().set('WEBGPU_ENGINE_COMPILE_ONLY', true);
    try {
      tf.dispose(run());
    } finally {
      tf.env().set('WEBGPU_ENGINE_COMPILE_ONLY', false);
    }
    await (tf.backend() as unknown as CompileCapableBackend).checkCompileCompletionAsync();
  } else {
    const outputs = run();
    try {
      await outputs[0].data();
    } finally {
      tf.dispose(outputs);
    }
  }
  return performance.now() - start;
}

/** Everything a training step changes: weights (BatchNorm statistics included) and both optimisers. */
export interface SavedTrainingState {
  weights: ModelWeights;
  optimizer: AdamState;
  valueOptimizers: ValueOptimizerState[];
}

export async function saveTrainingState(model: PkmModel, trainer: Trainer): Promise<SavedTrainingState> {
  const valueOptimizers: ValueOptimizerState[] = [];
  for (const memory of capturingMemories(model)) valueOptimizers.push(await memory.readValueOptimizerState());
  return {
    weights: await model.readWeights(),
    optimizer: await trainer.readOptimizerState(),
    valueOptimizers,
  };
}

/** Puts back a saved state (the memories are rebuilt by loadWeights, so their optimisers too). */
export function restoreValueOptimizers(model: PkmModel, states: ValueOptimizerState[]): void {
  capturingMemories(model).forEach((memory, i) => {
    if (states[i].step > 0) memory.loadValueOptimizerState(states[i]);
  });
}

/**
 * Runs `steps` real training steps on `sampler` (a throwaway stream) and returns their time. The
 * caller restores the saved state afterwards.
 */
export async function warmupSteps(
  trainer: Trainer,
  sampler: BatchSampler,
  steps: number,
  onStep: (done: number) => void,
): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < steps; i++) {
    await trainer.step(sampler.next());
    onStep(i + 1);
  }
  await trainer.flush();
  return performance.now() - start;
}
