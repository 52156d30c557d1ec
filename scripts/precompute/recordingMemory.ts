import type { ValueOptimizerState } from '../../src/engine/instrument';
import { createMemory } from '../../src/model/memory/createMemory';
import type { MemoryModule } from '../../src/model/memory/types';
import { UsageCounter } from '../../src/model/metrics/usageCounter';
import { DEFAULT_MEMORY_FACTORY, type MemoryFactory } from '../../src/model/transformer';

/**
 * Wraps the default memory factory so a script can see what the memories do inside the model:
 * every training read is added to cumulative usage maps (counts and weights per head), and the
 * input of the latest eval-mode forward is kept for tracing a token. Scripts only: it reads
 * tensors synchronously.
 */
export interface MemoryRecorder {
  factory: MemoryFactory;
  /** One entry per memory, in creation (mem_layers) order. */
  usage: { counts: UsageCounter; weights: UsageCounter; tokens: number }[];
  /** The [N, d_in] input of each memory's latest eval forward (rows = b·T + t). */
  lastEvalInput: (Float32Array | null)[];
  /** Each memory's sparse Adam state of its values (for the checkpoint). */
  valueOptimizers: (() => Promise<ValueOptimizerState>)[];
}

export function createMemoryRecorder(): MemoryRecorder {
  const recorder: MemoryRecorder = {
    factory: DEFAULT_MEMORY_FACTORY,
    usage: [],
    lastEvalInput: [],
    valueOptimizers: [],
  };
  recorder.factory = {
    spec: DEFAULT_MEMORY_FACTORY.spec,
    create(spec, init) {
      const inner = createMemory(spec, init);
      recorder.valueOptimizers.push(() => inner.readValueOptimizerState());
      const index = recorder.usage.length;
      const shape = { slots: spec.n_keys * spec.n_keys, heads: spec.heads, knn: spec.knn, rate: 1 };
      recorder.usage.push({ counts: new UsageCounter(shape), weights: new UsageCounter(shape), tokens: 0 });
      recorder.lastEvalInput.push(null);
      const wrapped: MemoryModule = {
        spec: inner.spec,
        forward(x, mode) {
          const read = inner.forward(x, mode);
          if (mode === 'train') {
            const slots = read.slots.dataSync();
            const weights = read.weights.dataSync();
            const u = recorder.usage[index];
            u.counts.add(slots);
            u.weights.add(slots, weights);
            u.tokens += x.shape[0];
          } else {
            recorder.lastEvalInput[index] = x.dataSync() as Float32Array;
          }
          return read;
        },
        denseVariables: () => inner.denseVariables(),
        valueGradientVariables: (n) => inner.valueGradientVariables(n),
        applyValueGradients: (grads, lr, control) => inner.applyValueGradients(grads, lr, control),
        commitBatchStatistics: (control) => inner.commitBatchStatistics(control),
        get valueStep() {
          return inner.valueStep;
        },
        set valueStep(step) {
          inner.valueStep = step;
        },
        trace: (x) => inner.trace(x),
        readWeights: () => inner.readWeights(),
        dispose: () => inner.dispose(),
      };
      return wrapped;
    },
  };
  return recorder;
}
