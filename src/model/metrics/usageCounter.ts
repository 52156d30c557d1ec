/**
 * Exponentially decayed slot usage for the live heat map: after each decay() every count is
 * multiplied by `rate`, and add() adds the weights of the slots just read, per head.
 *
 * Decay is lazy: the true count is stored · scale, so decay() only multiplies `scale` (O(1)) and
 * add() stores weight / scale (O(batch)). Only when scale becomes tiny are the stored values
 * folded back (O(slots·heads), once every log(1e-150)/log(rate) decays: ~34,000 at rate 0.99).
 * snapshot() is the only other O(slots·heads) operation.
 */
export interface UsageCounterOptions {
  slots: number;
  heads: number;
  knn: number;
  /** Factor applied by each decay(), in (0, 1]; 1 keeps plain cumulative counts. */
  rate: number;
}

export interface UsageSnapshot {
  /** [heads][slots]: decayed weight each head gave each slot. */
  perHead: Float32Array[];
  /** [slots]: the sum over heads. */
  total: Float32Array;
  /** Largest entry of total (for colour scales). */
  max: number;
}

const RESCALE_BELOW = 1e-150;

export class UsageCounter {
  readonly slots: number;
  readonly heads: number;
  readonly knn: number;
  readonly rate: number;
  private readonly stored: Float64Array;
  private scale = 1;

  /** The rate that halves a count every `steps` decays. */
  static rateForHalfLife(steps: number): number {
    if (!(steps > 0)) throw new Error(`the half-life must be positive (got ${steps})`);
    return 0.5 ** (1 / steps);
  }

  constructor({ slots, heads, knn, rate }: UsageCounterOptions) {
    for (const [name, v] of Object.entries({ slots, heads, knn })) {
      if (!Number.isInteger(v) || v < 1) throw new Error(`${name} must be a positive integer (got ${v})`);
    }
    if (!(rate > 0 && rate <= 1)) throw new Error(`rate must be in (0, 1] (got ${rate})`);
    this.slots = slots;
    this.heads = heads;
    this.knn = knn;
    this.rate = rate;
    this.stored = new Float64Array(slots * heads);
  }

  /**
   * Adds the slots read by N tokens, [N, heads, knn] row-major, with their weights (same shape);
   * without weights each read counts 1.
   */
  add(slotIds: ArrayLike<number>, weights?: ArrayLike<number> | null): void {
    const { slots, heads, knn } = this;
    const row = heads * knn;
    if (slotIds.length % row !== 0 || (weights && weights.length !== slotIds.length)) {
      throw new Error(`slot ids (${slotIds.length}) and weights must be [tokens, ${heads}, ${knn}]`);
    }
    const inv = 1 / this.scale;
    const { stored } = this;
    for (let base = 0; base < slotIds.length; base += row) {
      for (let h = 0; h < heads; h++) {
        const offset = h * slots;
        for (let j = base + h * knn, end = j + knn; j < end; j++) {
          const s = slotIds[j];
          if (!(s >= 0 && s < slots) || s !== Math.floor(s))
            throw new Error(`slot id ${s} is outside 0..${slots - 1}`);
          stored[offset + s] += (weights ? weights[j] : 1) * inv;
        }
      }
    }
  }

  /** Multiplies every count by rate^steps. */
  decay(steps = 1): void {
    if (!(steps >= 0)) throw new Error(`steps must be non-negative (got ${steps})`);
    this.scale *= this.rate ** steps;
    if (this.scale < RESCALE_BELOW) this.fold();
  }

  snapshot(): UsageSnapshot {
    const { slots, heads, scale } = this;
    const perHead: Float32Array[] = [];
    const total = new Float32Array(slots);
    const sum = new Float64Array(slots);
    for (let h = 0; h < heads; h++) {
      const out = new Float32Array(slots);
      const base = h * slots;
      for (let s = 0; s < slots; s++) {
        const v = this.stored[base + s] * scale;
        out[s] = v;
        sum[s] += v;
      }
      perHead.push(out);
    }
    let max = 0;
    for (let s = 0; s < slots; s++) {
      total[s] = sum[s];
      if (sum[s] > max) max = sum[s];
    }
    return { perHead, total, max };
  }

  /** Replaces every count by `values` ([heads × slots], head-major, as a snapshot's perHead). */
  load(values: ArrayLike<number>): void {
    if (values.length !== this.stored.length)
      throw new Error(`expected ${this.stored.length} counts (heads × slots), got ${values.length}`);
    this.scale = 1;
    for (let i = 0; i < values.length; i++) this.stored[i] = values[i];
  }

  reset(): void {
    this.stored.fill(0);
    this.scale = 1;
  }

  private fold(): void {
    const { stored, scale } = this;
    for (let i = 0; i < stored.length; i++) stored[i] *= scale;
    this.scale = 1;
  }
}
