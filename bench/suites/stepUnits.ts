import * as tf from '@tensorflow/tfjs';
import { type ModelConfig, valueDim } from '../../src/model/config';
import { createMemory, type MemorySpec, memorySpecFromConfig } from '../../src/model/memory';
import { createDenseAdam } from '../../src/model/training/adam';
import { DenseValueMemory } from './denseValueMemory';

/**
 * One training step of a memory layer, two ways, on the same fixed batch (N = batch · context
 * token states of width d_model, regressed onto a fixed target):
 * - 'sparse': the memory module as the trainer uses it (README of src/model/memory): forward in
 *   'train', gradients of the dense variables and of the rows read, the trainer's dense Adam on the
 *   query net and keys, the module's in-place sparse Adam on the value rows, BatchNorm statistics committed.
 * - 'dense': the comparison baseline (DenseValueMemory): the same query network and selection, but
 *   the values are a plain trainable table read by a gather with a dense table gradient, updated
 *   by dense Adam (tf.train.adam) on the whole table.
 * Every step ends with a read-back of its loss issued after the updates, so its device work is done.
 */

export type StepKind = 'sparse' | 'dense';

export interface StepUnit {
  kind: StepKind;
  n_keys: number;
  slots: number;
  /** One training step; resolves with the loss of the batch. */
  step(): Promise<number>;
  /**
   * Sparse only: ms of the last step's value update (applyValueGradients: reading back the slot
   * ids, grouping them, sparse Adam). On WebGPU it also waits for the forward pass to finish.
   */
  readonly lastUpdateMs?: number;
  dispose(): void;
}

export function stepSpec(config: ModelConfig, nKeys: number): MemorySpec {
  return memorySpecFromConfig({ ...config, n_keys: nKeys, v_dim: 0, mem_keys: 'product' });
}

function batchTensors(config: ModelConfig): { x: tf.Tensor2D; target: tf.Tensor2D } {
  const n = config.batch * config.context;
  return tf.tidy(() => ({
    x: tf.randomNormal([n, config.d_model], 0, 1, 'float32', 21) as tf.Tensor2D,
    target: tf.randomNormal([n, valueDim(config)], 0, 1, 'float32', 22) as tf.Tensor2D,
  }));
}

function mse(a: tf.Tensor, b: tf.Tensor): tf.Scalar {
  return tf.mean(tf.squaredDifference(a, b)) as tf.Scalar;
}

/**
 * The loss, read back after every update was issued: cpu and wasm run ops synchronously, and on
 * WebGPU a read-back resolves only once the queue before it (updates included) has run. (Slicing
 * one value as a fence would copy the whole table on wasm, whose Slice reads its input in full.)
 */
async function finish(loss: tf.Tensor): Promise<number> {
  return (await loss.data())[0];
}

function pick(grads: tf.NamedTensorMap, vars: tf.Variable[]): { name: string; tensor: tf.Tensor }[] {
  return vars.map((v) => ({ name: v.name, tensor: grads[v.name] }));
}

export function createSparseUnit(config: ModelConfig, nKeys: number, seed = 1): StepUnit {
  const spec = stepSpec(config, nKeys);
  const n = config.batch * config.context;
  const mem = createMemory(spec, { seed });
  const { x, target } = batchTensors(config);
  // The trainer's own dense Adam (fused or reference as the kernel mode says), always applied.
  const optimizer = createDenseAdam();
  const control = tf.tensor1d([1, 1]);
  let lastUpdateMs = 0;
  return {
    kind: 'sparse',
    n_keys: nKeys,
    slots: nKeys * nKeys,
    get lastUpdateMs() {
      return lastUpdateMs;
    },
    async step() {
      const dense = mem.denseVariables();
      const [probe] = mem.valueGradientVariables(n);
      const { value, grads } = tf.variableGrads(
        () => mse(mem.forward(x, 'train').output, target),
        [...dense, probe],
      );
      try {
        optimizer.apply(
          dense,
          dense.map((v) => grads[v.name]),
          config.lr,
          control,
        );
        const start = performance.now();
        await mem.applyValueGradients([grads[probe.name]], config.value_lr);
        lastUpdateMs = performance.now() - start;
        mem.commitBatchStatistics();
        return await finish(value);
      } finally {
        tf.dispose([value, ...Object.values(grads)]);
      }
    },
    dispose() {
      mem.dispose();
      optimizer.dispose();
      tf.dispose([x, target, control]);
    },
  };
}

export function createDenseUnit(config: ModelConfig, nKeys: number, seed = 1): StepUnit {
  const mem = new DenseValueMemory(stepSpec(config, nKeys), { seed });
  const { x, target } = batchTensors(config);
  const optimizer = tf.train.adam(config.lr);
  const valueOptimizer = tf.train.adam(config.value_lr);
  const vars = mem.denseVariables();
  const dense = vars.filter((v) => v !== mem.values);
  return {
    kind: 'dense',
    n_keys: nKeys,
    slots: nKeys * nKeys,
    async step() {
      const { value, grads } = tf.variableGrads(() => mse(mem.forward(x, 'train').output, target), vars);
      try {
        optimizer.applyGradients(pick(grads, dense));
        valueOptimizer.applyGradients(pick(grads, [mem.values]));
        mem.commitBatchStatistics();
        return await finish(value);
      } finally {
        tf.dispose([value, ...Object.values(grads)]);
      }
    },
    dispose() {
      mem.dispose();
      tf.dispose([x, target]);
      optimizer.dispose();
      valueOptimizer.dispose();
    },
  };
}

export function createStepUnit(kind: StepKind, config: ModelConfig, nKeys: number): StepUnit {
  return kind === 'sparse' ? createSparseUnit(config, nKeys) : createDenseUnit(config, nKeys);
}
