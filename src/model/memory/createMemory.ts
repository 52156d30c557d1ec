import * as tf from '@tensorflow/tfjs';
import { BN_MOMENTUM, projectQuery, type QueryParams } from './queryNet';
import { selectWithGradient } from './select';
import {
  type AdamSettings,
  adamStepSize,
  DEFAULT_ADAM,
  type RowUpdater,
  type RowUpdaterKind,
  type ValueTables,
} from './sparse/adam';
import { SlotSegmenter } from './sparse/slotSegments';
import { createRowUpdater, tablesOnBackend, type UpdaterChoice, updaterKindFor } from './sparse/updaters';
import { checkMemorySpec, slotCount } from './spec';
import { packTrace, unpackTrace } from './trace';
import type { ForwardMode, MemoryModule, MemoryRead, MemorySpec, MemoryTrace, MemoryWeights } from './types';
import { readValueRows } from './valueRead';
import { checkMemoryWeights, initMemoryWeights, type WeightName, weightShapes } from './weights';

export interface MemoryOptions {
  /** Adam of the values (torch SparseAdam): β1 0.9, β2 0.999, eps 1e-8 unless given. */
  adam?: Partial<AdamSettings>;
  /** 'auto': the in-place row writer of the current backend; 'generic': tf.tensorScatterUpdate. */
  valueUpdate?: UpdaterChoice;
}

/** A MemoryModule with what tests, benchmarks and checkpoints may inspect besides the contract. */
export interface PkmMemoryModule extends MemoryModule {
  /** The live value table [n_keys², v_dim] (updated in place: read it, never dispose it). */
  readonly valueTable: tf.Tensor2D;
  /** Which sparse Adam writer the last update used (null before the first update). */
  readonly valueUpdateKind: RowUpdaterKind | null;
  /** The values' Adam moments and global step count (zeros and 0 before the first update). */
  readValueOptimizerState(): Promise<{ m: Float32Array; v: Float32Array; step: number }>;
  /** Restores what readValueOptimizerState returned (a checkpoint), so training resumes exactly. */
  loadValueOptimizerState(state: { m: Float32Array; v: Float32Array; step: number }): void;
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
  private readonly values: tf.Variable<tf.Rank.R2>;
  private readonly gateW?: tf.Variable;
  private readonly outW?: tf.Variable;
  private readonly dense: tf.Variable[];
  private readonly adam: AdamSettings;
  private readonly updaterChoice: UpdaterChoice;
  private readonly segmenter: SlotSegmenter;
  private probe: tf.Variable | null = null;
  private moments: { m: tf.Tensor2D; v: tf.Tensor2D } | null = null;
  private updater: RowUpdater | null = null;
  private updaterBackend: tf.KernelBackend | null = null;
  private step = 0;
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
    this.values = toVariable(spec, weights, 'values', false) as tf.Variable<tf.Rank.R2>;
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
    this.adam = { ...DEFAULT_ADAM, ...options.adam };
    this.updaterChoice = options.valueUpdate ?? 'auto';
    this.segmenter = new SlotSegmenter(slotCount(spec));
  }

  get valueTable(): tf.Tensor2D {
    this.alive();
    return this.values as tf.Tensor2D;
  }

  get valueUpdateKind(): RowUpdaterKind | null {
    return this.updater?.kind ?? null;
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
    const n = x.shape[0];
    const { heads, knn, v_dim } = this.spec;
    const rows = readValueRows(this.values as tf.Tensor2D, slots, probe);
    const read = tf.reshape(tf.matMul(tf.reshape(weights, [n, 1, heads * knn]), rows), [
      n,
      v_dim,
    ]) as tf.Tensor2D;
    if (!this.gateW) return read;
    const gate = tf.matMul(x, this.gateW as tf.Tensor2D);
    return tf.matMul(tf.mul(read, tf.mul(gate, tf.sigmoid(gate))), this.outW as tf.Tensor2D);
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

  get valueStep(): number {
    return this.step;
  }

  set valueStep(step: number) {
    if (!(Number.isInteger(step) && step >= 0))
      throw new Error(`value step must be an integer ≥ 0 (got ${step})`);
    this.step = step;
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
    let ids: Int32Array;
    try {
      ids = (await slots.data()) as Int32Array;
    } finally {
      slots.dispose();
    }
    this.alive();
    const segments = this.segmenter.segment(ids);
    if (!this.moments) {
      this.moments = {
        m: tf.keep(tf.zerosLike(this.values)) as tf.Tensor2D,
        v: tf.keep(tf.zerosLike(this.values)) as tf.Tensor2D,
      };
    }
    this.step += 1;
    const tables = { values: this.values, m: this.moments.m, v: this.moments.v };
    const updater = this.currentUpdater(tables);
    await updater.apply(tables, {
      segments,
      grads: grad,
      stepSize: adamStepSize(lr, this.step, this.adam),
      adam: this.adam,
      ...(control ? { control } : {}),
    });
    this.moments = { m: tables.m, v: tables.v };
  }

  /** The row writer for the current backend; the generic one if the tables live elsewhere. */
  private currentUpdater(tables: ValueTables): RowUpdater {
    const kind = updaterKindFor(tablesOnBackend(tables) ? this.updaterChoice : 'generic');
    const backend = tf.backend();
    if (!this.updater || this.updater.kind !== kind || this.updaterBackend !== backend) {
      this.updater?.dispose();
      this.updater = createRowUpdater(kind);
      this.updaterBackend = backend;
    }
    return this.updater;
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
        values: (slots) => readValueRows(this.values as tf.Tensor2D, slots, null),
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

  async readValueOptimizerState(): Promise<{ m: Float32Array; v: Float32Array; step: number }> {
    this.alive();
    if (!this.moments) {
      const size = this.values.size;
      return { m: new Float32Array(size), v: new Float32Array(size), step: this.step };
    }
    const [m, v] = await Promise.all([this.moments.m.data(), this.moments.v.data()]);
    return { m: (m as Float32Array).slice(), v: (v as Float32Array).slice(), step: this.step };
  }

  loadValueOptimizerState(state: { m: Float32Array; v: Float32Array; step: number }): void {
    this.alive();
    const size = this.values.size;
    if (state.m.length !== size || state.v.length !== size) {
      throw new Error(
        `value optimiser state does not fit the memory: m has ${state.m.length} and v ${state.v.length} ` +
          `entries, the value table ${size}`,
      );
    }
    if (!(Number.isInteger(state.step) && state.step >= 0)) {
      throw new Error(`value optimiser step must be an integer ≥ 0 (got ${state.step})`);
    }
    const shape = this.values.shape;
    const m = tf.keep(tf.tensor2d(state.m, shape));
    const v = tf.keep(tf.tensor2d(state.v, shape));
    this.moments?.m.dispose();
    this.moments?.v.dispose();
    this.moments = { m, v };
    this.step = state.step;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const v of this.dense) v.dispose();
    this.values.dispose();
    this.query.runningMean?.dispose();
    this.query.runningVar?.dispose();
    this.probe?.dispose();
    this.moments?.m.dispose();
    this.moments?.v.dispose();
    this.lastSlots?.dispose();
    this.disposeStats();
    this.updater?.dispose();
  }
}
