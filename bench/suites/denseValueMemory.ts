import * as tf from '@tensorflow/tfjs';
import {
  checkMemorySpec,
  checkMemoryWeights,
  initMemoryWeights,
  type MemoryModule,
  type MemoryRead,
  type MemorySpec,
  type MemoryTrace,
  type MemoryWeights,
  weightShapes,
} from '../../src/model/memory';
import { BN_MOMENTUM, projectQuery, type QueryParams } from '../../src/model/memory/queryNet';
import { gatherRows, selectWithGradient } from '../../src/model/memory/select';
import { packTrace, unpackTrace } from '../../src/model/memory/trace';
import type { ForwardMode } from '../../src/model/memory/types';
import { readValueRows } from '../../src/model/memory/valueRead';

/**
 * The dense-gradient comparison baseline: a memory with the module's own query network, exact
 * selection and trace (queryNet.ts, select.ts, trace.ts), but whose value table is an ordinary
 * trainable variable read by a gather with a dense gradient (a [slots, v_dim] tf.scatterND,
 * duplicates summed; tfjs' own gather gradient is missing on wasm and linear in the table on cpu).
 * `denseVariables()` includes the value table, so whichever dense optimiser trains it (the
 * trainer's Adam in the full model) updates the whole table every step: the path the memory
 * module's sparse updates replace. It fits the MemoryModule contract, so createModel can use it.
 */
export class DenseValueMemory implements MemoryModule {
  readonly spec: MemorySpec;
  readonly values: tf.Variable<tf.Rank.R2>;
  private readonly query: QueryParams;
  private readonly keys: tf.Variable;
  private readonly dense: tf.Variable[];
  private pendingStats: { mean: tf.Tensor1D; variance: tf.Tensor1D } | null = null;

  constructor(spec: MemorySpec, init: { seed: number } | { weights: MemoryWeights }) {
    checkMemorySpec(spec);
    if (spec.mem_plus)
      throw new Error('DenseValueMemory: the dense-gradient baseline has no memory+ (mem_plus)');
    const weights = 'weights' in init ? init.weights : initMemoryWeights(spec, init.seed);
    checkMemoryWeights(spec, weights);
    this.spec = { ...spec };
    const shapes = weightShapes(spec);
    const tensor = (name: keyof MemoryWeights) => tf.tensor(weights[name]!.slice(), shapes[name]!, 'float32');
    const variable = (name: keyof MemoryWeights) => {
      const t = tensor(name);
      const v = tf.variable(t, true);
      t.dispose();
      return v;
    };
    this.query = { queryW: variable('queryW'), queryB: variable('queryB') };
    if (spec.query_norm !== 'none') {
      this.query.normGamma = variable('normGamma');
      this.query.normBeta = variable('normBeta');
    }
    if (spec.query_norm === 'batchnorm') {
      this.query.runningMean = tf.keep(tensor('runningMean'));
      this.query.runningVar = tf.keep(tensor('runningVar'));
    }
    this.keys = variable('keys');
    this.values = variable('values') as tf.Variable<tf.Rank.R2>;
    this.dense = [
      this.query.queryW,
      this.query.queryB,
      ...(this.query.normGamma ? [this.query.normGamma, this.query.normBeta!] : []),
      this.keys,
      this.values,
    ];
  }

  /** [N, v_dim]: Σ over heads and k of weight · values[slot], with the dense-gradient gather. */
  private read(slots: tf.Tensor3D, weights: tf.Tensor3D): tf.Tensor2D {
    const [n, h, k] = slots.shape;
    const ids = tf.reshape(slots, [n * h * k]) as tf.Tensor1D;
    const gather = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const [table, save] = args as [tf.Tensor2D, tf.GradSaveFunc];
      // The ids travel through save(): tensors made in the forward pass are gone when gradients run.
      save([ids]);
      return {
        value: gatherRows(table, ids),
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
          tf.scatterND(tf.reshape(saved[0], [ids.size, 1]), dy, table.shape),
      };
    });
    const rows = tf.reshape(gather(this.values), [n, h * k, this.spec.v_dim]);
    return tf.reshape(tf.matMul(tf.reshape(weights, [n, 1, h * k]), rows), [
      n,
      this.spec.v_dim,
    ]) as tf.Tensor2D;
  }

  forward(x: tf.Tensor2D, mode: ForwardMode): MemoryRead {
    if (x.rank !== 2 || x.shape[1] !== this.spec.d_in)
      throw new Error(
        `DenseValueMemory forward: x must be [N, ${this.spec.d_in}] (got [${x.shape.join(', ')}])`,
      );
    return tf.tidy(() => {
      const q = projectQuery(x, this.query, this.spec, mode);
      const { slots, scores } = selectWithGradient(q.normed, this.keys, this.spec);
      const weights = tf.softmax(scores) as tf.Tensor3D;
      if (mode === 'train' && q.batchMean && q.batchVarUnbiased) {
        this.disposeStats();
        this.pendingStats = {
          mean: tf.keep(tf.clone(q.batchMean)),
          variance: tf.keep(tf.clone(q.batchVarUnbiased)),
        };
      }
      return { output: this.read(slots, weights), slots, scores, weights };
    });
  }

  /** Query network, norm affine, keys, and the value table (trained densely here). */
  denseVariables(): tf.Variable[] {
    return [...this.dense];
  }

  /** None: the value table's gradient comes with the dense variables. */
  valueGradientVariables(): tf.Variable[] {
    return [];
  }

  async applyValueGradients(grads: tf.Tensor[]): Promise<void> {
    if (grads.length !== 0)
      throw new Error('DenseValueMemory: its values are dense variables; there are no value-row gradients');
  }

  commitBatchStatistics(): void {
    const stats = this.pendingStats;
    const { runningMean, runningVar } = this.query;
    if (!stats || !runningMean || !runningVar) return;
    const [mean, variance] = tf.tidy(() => [
      tf.keep(tf.add(tf.mul(runningMean, 1 - BN_MOMENTUM), tf.mul(stats.mean, BN_MOMENTUM))),
      tf.keep(tf.add(tf.mul(runningVar, 1 - BN_MOMENTUM), tf.mul(stats.variance, BN_MOMENTUM))),
    ]);
    runningMean.dispose();
    runningVar.dispose();
    this.query.runningMean = mean;
    this.query.runningVar = variance;
    this.disposeStats();
  }

  async trace(x: Float32Array): Promise<MemoryTrace> {
    if (!(x instanceof Float32Array) || x.length !== this.spec.d_in)
      throw new Error(`DenseValueMemory trace: x must be a Float32Array of length ${this.spec.d_in}`);
    const input = x.slice();
    const { packed, layout } = tf.tidy(() => {
      const xt = tf.tensor2d(input, [1, this.spec.d_in]);
      const q = projectQuery(xt, this.query, this.spec, 'eval');
      return packTrace({
        spec: this.spec,
        query: q.query,
        normed: q.normed,
        keys: this.keys,
        values: (slots) => readValueRows(this.values as tf.Tensor2D, slots, null),
        output: (slots, weights) => this.read(slots, weights),
      });
    });
    try {
      return unpackTrace(this.spec, input, (await packed.data()) as Float32Array, layout);
    } finally {
      packed.dispose();
    }
  }

  async readWeights(): Promise<MemoryWeights> {
    const read = async (t: tf.Tensor) => ((await t.data()) as Float32Array).slice();
    const q = this.query;
    const weights: MemoryWeights = {
      queryW: await read(q.queryW),
      queryB: await read(q.queryB),
      keys: await read(this.keys),
      values: await read(this.values),
    };
    if (q.normGamma && q.normBeta)
      [weights.normGamma, weights.normBeta] = [await read(q.normGamma), await read(q.normBeta)];
    if (q.runningMean && q.runningVar)
      [weights.runningMean, weights.runningVar] = [await read(q.runningMean), await read(q.runningVar)];
    return weights;
  }

  private disposeStats(): void {
    this.pendingStats?.mean.dispose();
    this.pendingStats?.variance.dispose();
    this.pendingStats = null;
  }

  dispose(): void {
    tf.dispose(this.dense);
    this.query.runningMean?.dispose();
    this.query.runningVar?.dispose();
    this.disposeStats();
  }
}
