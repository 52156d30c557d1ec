import * as tf from '@tensorflow/tfjs';
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

export interface ValuePoolOptions {
  /** Adam of the values (torch SparseAdam): β1 0.9, β2 0.999, eps 1e-8 unless given. */
  adam?: Partial<AdamSettings>;
  /** 'auto': the in-place row writer of the current backend; 'generic': tf.tensorScatterUpdate. */
  valueUpdate?: UpdaterChoice;
}

/** The values' sparse Adam state: moments [slots·v_dim] and the global step count. */
export interface ValueOptimizerState {
  m: Float32Array;
  v: Float32Array;
  step: number;
}

/** One member's share of a training step: the slot ids it read and their row gradients. */
interface Contribution {
  /** int32, any shape of M ids, owned by the pool (disposed once the step is applied or dropped). */
  ids: tf.Tensor;
  /** [M, v_dim] (any shape of M·v_dim values), kept until the step is applied. */
  grad: tf.Tensor;
  lr: number;
  /** The trainer's device-side [gradScale, apply] of this step (sparse/adam.ts RowStep.control). */
  control?: tf.Tensor1D;
}

/**
 * A value table [slots, v_dim] with its sparse Adam (moments, one global step count, the row
 * writer), read by one or more memory modules ("members"). Each member hands in the rows it read in
 * a training step; once every member has, the pool applies ONE sparse Adam step to the gradients
 * of all of them, duplicates within and across members summed per slot. With several members this
 * is what PyTorch's SparseAdam does to one embedding shared by several layers (Memory Layers at
 * Scale's mem_share_values); with one it is the memory's own sparse Adam.
 */
export class ValuePool {
  readonly table: tf.Variable<tf.Rank.R2>;
  private readonly adam: AdamSettings;
  private readonly updaterChoice: UpdaterChoice;
  private readonly segmenter: SlotSegmenter;
  private readonly members: object[] = [];
  private readonly pending = new Map<object, Contribution>();
  private moments: { m: tf.Tensor2D; v: tf.Tensor2D } | null = null;
  private updater: RowUpdater | null = null;
  private updaterBackend: tf.KernelBackend | null = null;
  private stepCount = 0;
  private disposed = false;

  /** `values`: the initial table, row-major [slots·vDim] (copied). */
  constructor(values: Float32Array, slots: number, vDim: number, options: ValuePoolOptions = {}) {
    if (values.length !== slots * vDim) {
      throw new Error(`value pool: ${values.length} values do not fill a table [${slots}, ${vDim}]`);
    }
    // A copy: the cpu backend keeps the array it is given, and the table is updated in place.
    const initial = tf.tensor2d(values.slice(), [slots, vDim], 'float32');
    this.table = tf.variable(initial, false);
    initial.dispose();
    this.adam = { ...DEFAULT_ADAM, ...options.adam };
    this.updaterChoice = options.valueUpdate ?? 'auto';
    this.segmenter = new SlotSegmenter(slots);
  }

  /** How many memory modules read this table. */
  get sharedBy(): number {
    return this.members.length;
  }

  /** Global sparse Adam steps applied (one per training step, however many members). */
  get step(): number {
    return this.stepCount;
  }

  /** Set back by the trainer when it learns, a step later, that steps it queued were skipped. */
  set step(step: number) {
    if (!(Number.isInteger(step) && step >= 0))
      throw new Error(`value step must be an integer ≥ 0 (got ${step})`);
    this.stepCount = step;
  }

  /** Which row writer the last update used (null before the first update). */
  get updateKind(): RowUpdaterKind | null {
    return this.updater?.kind ?? null;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  private alive(): void {
    if (this.disposed) throw new Error('This value pool has been disposed');
  }

  join(member: object): void {
    this.alive();
    if (!this.members.includes(member)) this.members.push(member);
  }

  /** A member that leaves drops any step in progress (it could never complete). */
  leave(member: object): void {
    const at = this.members.indexOf(member);
    if (at >= 0) this.members.splice(at, 1);
    this.dropPending();
  }

  /**
   * One member's rows of a training step: `ids` (int32, any shape) are the slots it read, `grad`
   * their gradients in the same order (M·v_dim values). The pool takes `ids` over and disposes it,
   * whatever happens; nothing is read back here: the row updater gets the ids where they lie (on
   * the device for WebGPU). The update runs when the last member has contributed; the gradient is
   * kept (cloned) until then, so the caller may dispose its own.
   */
  async contribute(
    member: object,
    ids: tf.Tensor,
    grad: tf.Tensor,
    lr: number,
    control?: tf.Tensor1D,
  ): Promise<void> {
    try {
      this.admit(member, ids, grad, lr);
    } catch (err) {
      ids.dispose();
      throw err;
    }
    if (this.members.length === 1) {
      try {
        return await this.applyStep([{ ids, grad, lr, control }]);
      } finally {
        ids.dispose();
      }
    }
    // The control tensor is the trainer's, alive until every member of the step has contributed.
    this.pending.set(member, { ids: tf.keep(ids), grad: tf.keep(tf.clone(grad)), lr, control });
    if (this.pending.size < this.members.length) return;
    // Member order, not arrival order: the summation order (and so the result) is fixed.
    const contributions = this.members.map((m) => this.pending.get(m)!);
    this.pending.clear();
    try {
      await this.applyStep(contributions);
    } finally {
      for (const c of contributions) tf.dispose([c.ids, c.grad]);
    }
  }

  /** Checks a contribution (dropping an abandoned step first); throws before the pool keeps anything. */
  private admit(member: object, ids: tf.Tensor, grad: tf.Tensor, lr: number): void {
    this.alive();
    if (!this.members.includes(member)) throw new Error('value pool: contribution from a non-member');
    if (ids.dtype !== 'int32') throw new Error(`value pool: slot ids must be int32 (got ${ids.dtype})`);
    const vDim = this.table.shape[1];
    if (grad.size !== ids.size * vDim) {
      throw new Error(
        `value pool: ${ids.size} slot ids need ${ids.size * vDim} gradient values (got ${grad.size})`,
      );
    }
    // A member contributing twice means the step before was abandoned part-way (an error between
    // members): that step is dropped rather than mixed into this one.
    if (this.pending.has(member)) this.dropPending();
    const first = this.pending.values().next().value;
    if (first && first.lr !== lr) {
      throw new Error(
        `value pool: the members of one step used different learning rates (${first.lr}, ${lr})`,
      );
    }
  }

  /** One sparse Adam step on the rows of all contributions together. */
  private async applyStep(contributions: Contribution[]): Promise<void> {
    const vDim = this.table.shape[1];
    let grads = contributions[0].grad;
    if (contributions.length > 1) {
      // The ids are joined by the updater (on the device for WebGPU), the gradients here.
      grads = tf.tidy(() => tf.concat(contributions.map((c) => tf.reshape(c.grad, [c.ids.size, vDim]))));
    }
    try {
      if (!this.moments) {
        this.moments = {
          m: tf.keep(tf.zerosLike(this.table)) as tf.Tensor2D,
          v: tf.keep(tf.zerosLike(this.table)) as tf.Tensor2D,
        };
      }
      this.stepCount += 1;
      const tables: ValueTables = { values: this.table, m: this.moments.m, v: this.moments.v };
      await this.currentUpdater(tables).apply(tables, {
        ids: contributions.map((c) => c.ids),
        segmenter: this.segmenter,
        grads,
        stepSize: adamStepSize(contributions[0].lr, this.stepCount, this.adam),
        adam: this.adam,
        ...(contributions[0].control ? { control: contributions[0].control } : {}),
      });
      this.moments = { m: tables.m, v: tables.v };
    } finally {
      if (grads !== contributions[0].grad) grads.dispose();
    }
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

  private dropPending(): void {
    for (const c of this.pending.values()) tf.dispose([c.ids, c.grad]);
    this.pending.clear();
  }

  async readOptimizerState(): Promise<ValueOptimizerState> {
    this.alive();
    if (!this.moments) {
      const size = this.table.size;
      return { m: new Float32Array(size), v: new Float32Array(size), step: this.stepCount };
    }
    const [m, v] = await Promise.all([this.moments.m.data(), this.moments.v.data()]);
    return { m: (m as Float32Array).slice(), v: (v as Float32Array).slice(), step: this.stepCount };
  }

  /** Restores what readOptimizerState returned (a checkpoint), so training resumes exactly. */
  loadOptimizerState(state: ValueOptimizerState): void {
    this.alive();
    const size = this.table.size;
    if (state.m.length !== size || state.v.length !== size) {
      throw new Error(
        `value optimiser state does not fit the memory: m has ${state.m.length} and v ${state.v.length} ` +
          `entries, the value table ${size}`,
      );
    }
    if (!(Number.isInteger(state.step) && state.step >= 0)) {
      throw new Error(`value optimiser step must be an integer ≥ 0 (got ${state.step})`);
    }
    const shape = this.table.shape;
    const m = tf.keep(tf.tensor2d(state.m.slice(), shape));
    const v = tf.keep(tf.tensor2d(state.v.slice(), shape));
    this.moments?.m.dispose();
    this.moments?.v.dispose();
    this.moments = { m, v };
    this.stepCount = state.step;
    this.dropPending();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.dropPending();
    this.table.dispose();
    this.moments?.m.dispose();
    this.moments?.v.dispose();
    this.updater?.dispose();
  }
}
