import * as tf from '@tensorflow/tfjs';
import { matMulT } from '../layers';
import { valueRead } from '../ops/valueRead';
import { ensureSharedWasmIdentity } from '../ops/wasm/identity';
import { BN_MOMENTUM, projectQuery, type QueryParams } from './queryNet';
import { selectWithGradient } from './select';
import type { RowUpdaterKind } from './sparse/adam';
import { checkMemorySpec, slotCount } from './spec';
import { packTrace, unpackTrace } from './trace';
import type { ForwardMode, MemoryModule, MemoryRead, MemorySpec, MemoryTrace, MemoryWeights } from './types';
import { type ValueOptimizerState, ValuePool, type ValuePoolOptions } from './valuePool';
import { readValueRows } from './valueRead';
import { checkMemoryWeights, initMemoryWeights, type WeightName, weightShapes } from './weights';

export interface MemoryOptions extends ValuePoolOptions {
  /**
   * Read (and train) this pool's table instead of one of its own (mem_share_values): the init's
   * `values` are then unused, `adam` and `valueUpdate` are the pool's, and the caller disposes the
   * pool after its members.
   */
  valuePool?: ValuePool;
}

/** A MemoryModule with what tests, benchmarks and checkpoints may inspect besides the contract. */
export interface PkmMemoryModule extends MemoryModule {
  /** The live value table [n_keys², v_dim] (updated in place: read it, never dispose it). */
  readonly valueTable: tf.Tensor2D;
  /** The pool holding the table and its sparse Adam (shared with other memories or its own). */
  readonly valuePool: ValuePool;
  /** Which sparse Adam writer the last update used (null before the first update). */
  readonly valueUpdateKind: RowUpdaterKind | null;
  /** The values' Adam moments and global step count (zeros and 0 before the first update). */
  readValueOptimizerState(): Promise<ValueOptimizerState>;
  /** Restores what readValueOptimizerState returned (a checkpoint), so training resumes exactly. */
  loadValueOptimizerState(state: ValueOptimizerState): void;
  /** The values' Adam step (always present here). */
  valueStep: number;
}

/**
 * Builds a memory module from fresh weights (deterministic in `seed`) or given ones, with product
 * or flat keys as the spec says. See types.ts for the contract; design notes are in select.ts
 * (exact search and its custom gradient), valueRead.ts (value gradients without a dense table
 * gradient) and sparse/ (in-place sparse Adam per backend).
 */
export function createMemory(
  spec: MemorySpec,
  init: { seed: number } | { weights: MemoryWeights },
  options: MemoryOptions = {},
): PkmMemoryModule {
  checkMemorySpec(spec);
  let weights: MemoryWeights;
  if (init && 'weights' in init) {
    checkMemoryWeights(spec, init.weights);
    weights = init.weights;
  } else if (init && 'seed' in init && Number.isInteger(init.seed)) {
    weights = initMemoryWeights(spec, init.seed);
  } else {
    throw new Error('createMemory: init must be { seed: integer } or { weights: MemoryWeights }');
  }
  const pool = options.valuePool;
  if (pool) {
    const [slots, vDim] = pool.table.shape;
    if (pool.isDisposed) throw new Error('createMemory: the value pool has been disposed');
    if (slots !== slotCount(spec) || vDim !== spec.v_dim) {
      throw new Error(
        `createMemory: the value pool's table [${slots}, ${vDim}] does not fit the spec [${slotCount(spec)}, ${spec.v_dim}]`,
      );
    }
  }
  return new Memory({ ...spec }, weights, options);
}

function toTensor(spec: MemorySpec, weights: MemoryWeights, name: WeightName): tf.Tensor {
  // A copy: the cpu backend keeps the array it is given, and values are later updated in place.
  return tf.tensor(weights[name]!.slice(), weightShapes(spec)[name]!, 'float32');
}

function toVariable(
  spec: MemorySpec,
  weights: MemoryWeights,
  name: WeightName,
  trainable: boolean,
): tf.Variable {
  const t = toTensor(spec, weights, name);
  const v = tf.variable(t, trainable);
  t.dispose();
  return v;
}

class Memory implements PkmMemoryModule {
  private readonly query: QueryParams;
  private readonly keys: tf.Variable;
  readonly valuePool: ValuePool;
  /** Whether this module made its pool (and so disposes it). */
  private readonly ownsPool: boolean;
  private readonly gateW?: tf.Variable;
  private readonly outW?: tf.Variable;
  private readonly dense: tf.Variable[];
  private probe: tf.Variable | null = null;
  /** What the last 'train' forward read, for applyValueGradients (cleared once applied). */
  private lastSlots: tf.Tensor3D | null = null;
  private pendingStats: { mean: tf.Tensor1D; variance: tf.Tensor1D } | null = null;
  private disposed = false;

  constructor(
    readonly spec: MemorySpec,
    weights: MemoryWeights,
    options: MemoryOptions,
  ) {
    const variable = (name: WeightName) => toVariable(spec, weights, name, true);
    this.query = { queryW: variable('queryW'), queryB: variable('queryB') };
    if (spec.query_norm !== 'none') {
      this.query.normGamma = variable('normGamma');
      this.query.normBeta = variable('normBeta');
    }
    if (spec.query_norm === 'batchnorm') {
      this.query.runningMean = tf.keep(toTensor(spec, weights, 'runningMean'));
      this.query.runningVar = tf.keep(toTensor(spec, weights, 'runningVar'));
    }
    this.keys = variable('keys');
    this.ownsPool = !options.valuePool;
    this.valuePool = options.valuePool ?? new ValuePool(weights.values, slotCount(spec), spec.v_dim, options);
    this.valuePool.join(this);
    if (spec.mem_plus) {
      this.gateW = variable('gateW');
      this.outW = variable('outW');
    }
    this.dense = [
      this.query.queryW,
      this.query.queryB,
      ...(this.query.normGamma ? [this.query.normGamma, this.query.normBeta!] : []),
      this.keys,
      ...(this.gateW ? [this.gateW, this.outW!] : []),
    ];
  }

  get valueTable(): tf.Tensor2D {
    this.alive();
    return this.valuePool.table as tf.Tensor2D;
  }

  private get values(): tf.Tensor2D {
    return this.valuePool.table as tf.Tensor2D;
  }

  get valueUpdateKind(): RowUpdaterKind | null {
    return this.valuePool.updateKind;
  }

  private alive(): void {
    if (this.disposed) throw new Error('This memory module has been disposed');
  }

  private checkInput(x: tf.Tensor2D): number {
    if (!(x instanceof tf.Tensor) || x.rank !== 2 || x.shape[1] !== this.spec.d_in) {
      const shape = x instanceof tf.Tensor ? `[${x.shape.join(', ')}]` : typeof x;
      throw new Error(`memory forward: x must be a tensor [N, ${this.spec.d_in}] (got ${shape})`);
    }
    if (x.dtype !== 'float32') throw new Error(`memory forward: x must be float32 (got ${x.dtype})`);
    if (x.shape[0] < 1) throw new Error('memory forward: x has no rows');
    return x.shape[0];
  }

  /** The probe for N token states: [N, heads, knn, v_dim] zeros, recreated when N changes. */
  private ensureProbe(n: number): tf.Variable {
    const { heads, knn, v_dim } = this.spec;
    if (this.probe && this.probe.shape[0] === n) return this.probe;
    this.probe?.dispose();
    const zeros = tf.zeros([n, heads, knn, v_dim]);
    this.probe = tf.variable(zeros, true);
    zeros.dispose();
    return this.probe;
  }

  /** The memory read of x for given slots and weights, [N, d_out]. */
  private output(
    x: tf.Tensor2D,
    slots: tf.Tensor3D,
    weights: tf.Tensor3D,
    probe: tf.Variable | null,
  ): tf.Tensor2D {
    const read = valueRead(this.values, slots, weights, probe);
    if (!this.gateW) return read;
    // matMulT as the query net's: explicit transposes in the gradient (faster on wasm).
    const gate = matMulT(x, this.gateW as tf.Tensor2D);
    return matMulT(tf.mul(read, tf.mul(gate, tf.sigmoid(gate))) as tf.Tensor2D, this.outW as tf.Tensor2D);
  }

  forward(x: tf.Tensor2D, mode: ForwardMode): MemoryRead {
    this.alive();
    const n = this.checkInput(x);
    if (mode !== 'train' && mode !== 'eval')
      throw new Error(`memory forward: mode must be 'train' or 'eval'`);
    if (mode === 'train' && this.spec.query_norm === 'batchnorm' && n < 2) {
      throw new Error('memory forward: BatchNorm needs at least 2 token states in train mode (got 1)');
    }
    const probe = mode === 'train' ? this.ensureProbe(n) : null;
    if (mode === 'train') ensureSharedWasmIdentity();
    return tf.tidy(() => {
      const query = projectQuery(x, this.query, this.spec, mode);
      const { slots, scores } = selectWithGradient(query.normed, this.keys, this.spec);
      const weights = tf.softmax(scores) as tf.Tensor3D;
      const output = this.output(x, slots, weights, probe);
      if (mode === 'train') {
        this.lastSlots?.dispose();
        this.lastSlots = tf.keep(tf.clone(slots));
        if (query.batchMean && query.batchVarUnbiased) {
          this.disposeStats();
          this.pendingStats = {
            mean: tf.keep(tf.clone(query.batchMean)),
            variance: tf.keep(tf.clone(query.batchVarUnbiased)),
          };
        }
      }
      return { output, slots, scores, weights };
    });
  }

  denseVariables(): tf.Variable[] {
    this.alive();
    return [...this.dense];
  }

  valueGradientVariables(n?: number): tf.Variable[] {
    this.alive();
    if (n !== undefined) {
      if (!Number.isInteger(n) || n < 1)
        throw new Error(`valueGradientVariables: n must be a positive integer (got ${n})`);
      return [this.ensureProbe(n)];
    }
    if (!this.probe) {
      throw new Error(
        'valueGradientVariables: the number of token states is not known yet: pass it (valueGradientVariables(n)) or run forward(x, "train") first',
      );
    }
    return [this.probe];
  }

  /** The pool's step: with a shared pool, every memory reading it sees (and sets) the same one. */
  get valueStep(): number {
    return this.valuePool.step;
  }

  set valueStep(step: number) {
    this.valuePool.step = step;
  }

  async applyValueGradients(grads: tf.Tensor[], lr: number, control?: tf.Tensor1D): Promise<void> {
    this.alive();
    const slots = this.lastSlots;
    if (!slots) {
      throw new Error(
        'applyValueGradients: no rows to update: run forward(x, "train") (once per update) first',
      );
    }
    const probe = this.probe!;
    if (!Array.isArray(grads) || grads.length !== 1 || !(grads[0] instanceof tf.Tensor)) {
      throw new Error(
        'applyValueGradients: grads must hold one tensor, the gradient of valueGradientVariables()[0]',
      );
    }
    const grad = grads[0];
    if (
      !tf.util.arraysEqual(grad.shape, probe.shape) ||
      !tf.util.arraysEqual(slots.shape, probe.shape.slice(0, 3))
    ) {
      throw new Error(
        `applyValueGradients: gradient shape [${grad.shape.join(', ')}] does not match the last 'train' forward's rows [${probe.shape.join(', ')}]`,
      );
    }
    if (!(Number.isFinite(lr) && lr >= 0))
      throw new Error(`applyValueGradients: lr must be a finite number ≥ 0 (got ${lr})`);
    this.lastSlots = null;
    // The slot ids stay where they are (no read back): the pool takes them over and disposes them.
    // With a shared pool the step is applied once every memory reading it has contributed.
    await this.valuePool.contribute(this, slots, grad, lr, control);
  }

  commitBatchStatistics(control?: tf.Tensor1D): void {
    this.alive();
    const stats = this.pendingStats;
    if (!stats || !this.query.runningMean || !this.query.runningVar) return;
    const [mean, variance] = tf.tidy(() => {
      const apply = control ? tf.greater(tf.slice(control, [1], [1]), 0) : null;
      // A step skipped on the device keeps the running statistics as they were.
      const fold = (running: tf.Tensor, batch: tf.Tensor) => {
        const next = tf.add(tf.mul(running, 1 - BN_MOMENTUM), tf.mul(batch, BN_MOMENTUM));
        return tf.keep(apply ? tf.where(apply, next, running) : next);
      };
      return [fold(this.query.runningMean!, stats.mean), fold(this.query.runningVar!, stats.variance)];
    });
    this.query.runningMean.dispose();
    this.query.runningVar.dispose();
    this.query.runningMean = mean;
    this.query.runningVar = variance;
    this.disposeStats();
  }

  private disposeStats(): void {
    if (!this.pendingStats) return;
    this.pendingStats.mean.dispose();
    this.pendingStats.variance.dispose();
    this.pendingStats = null;
  }

  async trace(x: Float32Array): Promise<MemoryTrace> {
    this.alive();
    if (!(x instanceof Float32Array) || x.length !== this.spec.d_in) {
      throw new Error(`memory trace: x must be a Float32Array of length d_in = ${this.spec.d_in}`);
    }
    const input = x.slice();
    const { packed, layout } = tf.tidy(() => {
      const xt = tf.tensor2d(input, [1, this.spec.d_in]);
      const query = projectQuery(xt, this.query, this.spec, 'eval');
      const result = packTrace({
        spec: this.spec,
        query: query.query,
        normed: query.normed,
        keys: this.keys,
        values: (slots) => readValueRows(this.values, slots, null),
        output: (slots, weights) => this.output(xt, slots, weights, null),
      });
      return { packed: result.packed, layout: result.layout };
    });
    try {
      const data = (await packed.data()) as Float32Array;
      return unpackTrace(this.spec, input, data, layout);
    } finally {
      packed.dispose();
    }
  }

  async readWeights(): Promise<MemoryWeights> {
    this.alive();
    const read = async (t: tf.Tensor) => ((await t.data()) as Float32Array).slice();
    const q = this.query;
    const [queryW, queryB, keys, values] = await Promise.all(
      [q.queryW, q.queryB, this.keys, this.values].map(read),
    );
    const weights: MemoryWeights = { queryW, queryB, keys, values };
    if (q.normGamma && q.normBeta)
      [weights.normGamma, weights.normBeta] = await Promise.all([q.normGamma, q.normBeta].map(read));
    if (q.runningMean && q.runningVar) {
      [weights.runningMean, weights.runningVar] = await Promise.all([q.runningMean, q.runningVar].map(read));
    }
    if (this.gateW && this.outW)
      [weights.gateW, weights.outW] = await Promise.all([this.gateW, this.outW].map(read));
    return weights;
  }

  readValueOptimizerState(): Promise<ValueOptimizerState> {
    this.alive();
    return this.valuePool.readOptimizerState();
  }

  loadValueOptimizerState(state: ValueOptimizerState): void {
    this.alive();
    this.valuePool.loadOptimizerState(state);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const v of this.dense) v.dispose();
    this.valuePool.leave(this);
    if (this.ownsPool) this.valuePool.dispose();
    this.query.runningMean?.dispose();
    this.query.runningVar?.dispose();
    this.probe?.dispose();
    this.lastSlots?.dispose();
    this.disposeStats();
  }
}
