/**
 * Memory usage metrics over a fixed evaluation token set, per head and for the whole memory (all
 * heads together), from the slot ids and softmax weights each token's heads read ([T, H, k]).
 * w[s] = Σ weights that slot s received, u[s] = times s was selected (see distribution.ts).
 */
import { type DistributionStats, distributionStats } from './distribution';

export interface SlotMetrics {
  slots: number;
  usage: number;
  kl_w: number;
  kl_u: number;
  gini_w: number;
  gini_u: number;
  top50_w: number;
  top90_w: number;
  top99_w: number;
  top50_u: number;
  top90_u: number;
  top99_u: number;
}

/**
 * How much the heads share slots, from the sets U_h of slots head h selected at least once:
 *   jaccard  mean over head pairs of |U_a ∩ U_b| / |U_a ∪ U_b| (null with one head)
 *   shared   fraction of the slots used by any head that at least two heads used
 */
export interface HeadOverlap {
  jaccard: number | null;
  shared: number;
}

export interface MemoryMetrics extends SlotMetrics {
  tokens: number;
  heads: number;
  per_head: SlotMetrics[];
  head_overlap: HeadOverlap;
}

function combine(slots: number, w: DistributionStats, u: DistributionStats): SlotMetrics {
  return {
    slots,
    usage: w.usage,
    kl_w: w.kl,
    kl_u: u.kl,
    gini_w: w.gini,
    gini_u: u.gini,
    top50_w: w.top50,
    top90_w: w.top90,
    top99_w: w.top99,
    top50_u: u.top50,
    top90_u: u.top90,
    top99_u: u.top99,
  };
}

export interface SlotShape {
  /** |K| = n_keys². */
  slots: number;
  heads: number;
  knn: number;
}

/** Collects w and u per head over chunks of tokens; `metrics()` summarises what was added. */
export class SlotUsageAccumulator {
  readonly slots: number;
  readonly heads: number;
  readonly knn: number;
  private readonly w: Float64Array;
  private readonly u: Float64Array;
  private count = 0;

  constructor({ slots, heads, knn }: SlotShape) {
    for (const [name, v] of Object.entries({ slots, heads, knn })) {
      if (!Number.isInteger(v) || v < 1) throw new Error(`${name} must be a positive integer (got ${v})`);
    }
    if (heads > 32) throw new Error(`at most 32 heads are supported (got ${heads})`);
    this.slots = slots;
    this.heads = heads;
    this.knn = knn;
    this.w = new Float64Array(heads * slots);
    this.u = new Float64Array(heads * slots);
  }

  get tokens(): number {
    return this.count;
  }

  /** Adds T tokens: slot ids and their weights, both [T, heads, knn] row-major. */
  add(slotIds: ArrayLike<number>, weights: ArrayLike<number>): void {
    const { slots, heads, knn } = this;
    const row = heads * knn;
    if (slotIds.length !== weights.length || slotIds.length % row !== 0) {
      throw new Error(
        `slot ids (${slotIds.length}) and weights (${weights.length}) must both be [tokens, ${heads}, ${knn}]`,
      );
    }
    const { w, u } = this;
    for (let base = 0; base < slotIds.length; base += row) {
      for (let h = 0; h < heads; h++) {
        const offset = h * slots;
        for (let j = base + h * knn, end = j + knn; j < end; j++) {
          const s = slotIds[j];
          if (!(s >= 0 && s < slots) || s !== Math.floor(s))
            throw new Error(`slot id ${s} is outside 0..${slots - 1}`);
          w[offset + s] += weights[j];
          u[offset + s] += 1;
        }
      }
    }
    this.count += slotIds.length / row;
  }

  /** Per-head and whole-memory statistics; NaN KL and Gini while nothing was added. */
  metrics(): MemoryMetrics {
    const { slots, heads } = this;
    const scratch = new Float64Array(slots);
    const totalW = new Float64Array(slots);
    const totalU = new Float64Array(slots);
    const perHead: SlotMetrics[] = [];
    for (let h = 0; h < heads; h++) {
      const w = this.w.subarray(h * slots, (h + 1) * slots);
      const u = this.u.subarray(h * slots, (h + 1) * slots);
      for (let s = 0; s < slots; s++) {
        totalW[s] += w[s];
        totalU[s] += u[s];
      }
      perHead.push(combine(slots, distributionStats(w, scratch), distributionStats(u, scratch)));
    }
    const total = combine(slots, distributionStats(totalW, scratch), distributionStats(totalU, scratch));
    return { ...total, tokens: this.count, heads, per_head: perHead, head_overlap: this.overlap() };
  }

  private overlap(): HeadOverlap {
    const { slots, heads } = this;
    const size = new Float64Array(heads);
    const inter = new Float64Array(heads * heads);
    const members = new Int32Array(heads);
    let used = 0;
    let shared = 0;
    for (let s = 0; s < slots; s++) {
      let n = 0;
      for (let h = 0; h < heads; h++) if (this.u[h * slots + s] > 0) members[n++] = h;
      if (n === 0) continue;
      used++;
      if (n >= 2) shared++;
      for (let i = 0; i < n; i++) {
        size[members[i]]++;
        for (let j = i + 1; j < n; j++) inter[members[i] * heads + members[j]]++;
      }
    }
    let jaccard: number | null = null;
    if (heads > 1) {
      let sum = 0;
      for (let a = 0; a < heads; a++) {
        for (let b = a + 1; b < heads; b++) {
          const both = inter[a * heads + b];
          const either = size[a] + size[b] - both;
          sum += either > 0 ? both / either : 0;
        }
      }
      jaccard = sum / ((heads * (heads - 1)) / 2);
    }
    return { jaccard, shared: used > 0 ? shared / used : 0 };
  }
}

/** Metrics of one evaluation set given at once: slot ids and weights [T, heads, knn]. */
export function memoryMetrics(
  slotIds: ArrayLike<number>,
  weights: ArrayLike<number>,
  shape: SlotShape,
): MemoryMetrics {
  const acc = new SlotUsageAccumulator(shape);
  acc.add(slotIds, weights);
  return acc.metrics();
}
