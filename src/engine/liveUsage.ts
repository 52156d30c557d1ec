/**
 * Live per-slot usage of each memory over training reads: every step's slot ids and weights stay
 * on the device until the next refresh, which reads all of them back in one transfer and feeds
 * the model's UsageCounter (counts and weights, per head and total, with an optional half-life).
 */
import * as tf from '@tensorflow/tfjs';
import { UsageCounter } from '../model/metrics/usageCounter';
import type { StepReads } from './instrument';
import type { LayerUsage, UsageMap } from './protocol/snapshot';

export interface UsageLayout {
  layer: number;
  heads: number;
  knn: number;
  slots: number;
}

/** One memory's counts as a checkpoint keeps them: [heads × slots] each, head-major. */
export interface UsageRecord {
  layer: number;
  heads: number;
  counts: Float32Array;
  weights: Float32Array;
  tokens: number;
}

/** Steps kept on the device before a refresh is forced (bounds memory between refreshes). */
export const MAX_PENDING_STEPS = 256;

interface LayerCounters {
  layout: UsageLayout;
  counts: UsageCounter;
  weights: UsageCounter;
  tokens: number;
}

export class LiveUsage {
  private readonly layers: LayerCounters[];
  private pending: StepReads[][] = [];
  private changed = true;

  constructor(
    layouts: UsageLayout[],
    readonly halfLife: number,
  ) {
    const rate = halfLife > 0 ? UsageCounter.rateForHalfLife(halfLife) : 1;
    this.layers = layouts.map((layout) => {
      const shape = { slots: layout.slots, heads: layout.heads, knn: layout.knn, rate };
      return { layout, counts: new UsageCounter(shape), weights: new UsageCounter(shape), tokens: 0 };
    });
  }

  get pendingSteps(): number {
    return this.pending.length;
  }

  /** Takes ownership of one step's reads (one entry per memory layer). */
  add(reads: StepReads[]): void {
    if (reads.length !== this.layers.length) {
      for (const r of reads) tf.dispose([r.slots, r.weights]);
      throw new Error(`expected reads of ${this.layers.length} memories, got ${reads.length}`);
    }
    this.pending.push(reads);
  }

  /** Reads every pending step back (one `await data()`) and adds it to the counters in step order. */
  async flush(): Promise<void> {
    const steps = this.pending;
    if (steps.length === 0 || this.layers.length === 0) {
      this.disposeSteps(steps);
      this.pending = [];
      return;
    }
    this.pending = [];
    const packed = tf.tidy(() => {
      const parts: tf.Tensor[] = [];
      for (const step of steps) {
        for (const read of step) {
          // Ids become real floats by an element-wise op (WebGPU relabels an int32 cast).
          parts.push(tf.mul(tf.cast(read.slots.reshape([-1]), 'float32'), 1), read.weights.reshape([-1]));
        }
      }
      return tf.concat(parts);
    });
    this.disposeSteps(steps);
    let data: Float32Array;
    try {
      data = (await packed.data()) as Float32Array;
    } finally {
      packed.dispose();
    }
    let offset = 0;
    for (const step of steps) {
      for (let i = 0; i < step.length; i++) {
        const size = step[i].slots.size;
        const layer = this.layers[i];
        const ids = data.subarray(offset, offset + size);
        const weights = data.subarray(offset + size, offset + 2 * size);
        offset += 2 * size;
        layer.counts.decay();
        layer.weights.decay();
        layer.counts.add(ids);
        layer.weights.add(ids, weights);
        layer.tokens += size / (layer.layout.heads * layer.layout.knn);
      }
    }
    this.changed = true;
  }

  /** New maps when anything changed since the last call, else null. */
  maps(): LayerUsage[] | null {
    if (!this.changed) return null;
    this.changed = false;
    return this.layers.map(({ layout, counts, weights, tokens }) => ({
      layer: layout.layer,
      heads: layout.heads,
      slots: layout.slots,
      counts: counts.snapshot() as UsageMap,
      weights: weights.snapshot() as UsageMap,
      tokens,
      halfLife: this.halfLife,
    }));
  }

  /** The counts of every layer (call flush first: pending steps are not in them). */
  records(): UsageRecord[] {
    const flat = (m: UsageMap) => {
      const out = new Float32Array(m.perHead.length * m.total.length);
      m.perHead.forEach((h, i) => {
        out.set(h, i * m.total.length);
      });
      return out;
    };
    return this.layers.map(({ layout, counts, weights, tokens }) => ({
      layer: layout.layer,
      heads: layout.heads,
      counts: flat(counts.snapshot()),
      weights: flat(weights.snapshot()),
      tokens,
    }));
  }

  /**
   * Puts back counts saved with a checkpoint. Counts made under another half-life are not
   * comparable with these (as in setOptions): they are dropped, and false is returned.
   */
  restore(saved: { halfLife: number; layers: UsageRecord[] }): boolean {
    const fits =
      saved.halfLife === this.halfLife &&
      saved.layers.length === this.layers.length &&
      saved.layers.every((u, i) => u.layer === this.layers[i].layout.layer);
    if (!fits) return false;
    this.layers.forEach((layer, i) => {
      layer.counts.load(saved.layers[i].counts);
      layer.weights.load(saved.layers[i].weights);
      layer.tokens = saved.layers[i].tokens;
    });
    this.changed = true;
    return true;
  }

  /** Forgets the counts (and anything pending). */
  reset(): void {
    this.disposeSteps(this.pending);
    this.pending = [];
    for (const layer of this.layers) {
      layer.counts.reset();
      layer.weights.reset();
      layer.tokens = 0;
    }
    this.changed = true;
  }

  dispose(): void {
    this.disposeSteps(this.pending);
    this.pending = [];
  }

  private disposeSteps(steps: StepReads[][]): void {
    for (const step of steps) for (const r of step) tf.dispose([r.slots, r.weights]);
  }
}

/** The transferable buffers of usage maps (for Comlink.transfer). */
export function usageBuffers(usage: LayerUsage[] | null): ArrayBuffer[] {
  if (!usage) return [];
  return usage.flatMap((u) =>
    [u.counts, u.weights].flatMap((m) => [...m.perHead, m.total].map((a) => a.buffer as ArrayBuffer)),
  );
}
