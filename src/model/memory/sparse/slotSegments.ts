/**
 * Groups the slot ids read by one training step by slot: the unique slots and, for each, the
 * positions (occurrences) that read it. Work and memory are O(ids), independent of the number of
 * slots: slot → segment goes through a small open-addressing hash table (at least twice the ids,
 * a power of two), kept across steps and cleared entry by entry after each use. Unlike one marker
 * per slot, it stays in cache however large the table: at 2^18 slots the marker missed on nearly
 * every id.
 */
export interface SlotSegments {
  /** Number of distinct slots U. */
  count: number;
  /** [U] the distinct slot ids, in order of first occurrence. */
  rows: Int32Array;
  /** [U + 1] occurrences of rows[u] are occurrences[offsets[u] .. offsets[u+1]). */
  offsets: Int32Array;
  /** [M] occurrence positions (indices into the ids), grouped by slot, ascending within a slot. */
  occurrences: Int32Array;
  /** [M] the segment u of every occurrence. */
  segmentOf: Int32Array;
}

export class SlotSegmenter {
  /** slot + 1 at each used position (0: free), the segment it maps to, and each segment's position. */
  private keys = new Int32Array(0);
  private values = new Int32Array(0);
  private placed = new Int32Array(0);
  private shift = 32;

  constructor(readonly slots: number) {}

  segment(ids: Int32Array): SlotSegments {
    const m = ids.length;
    this.reserve(m);
    const { keys, values, placed, shift } = this;
    const mask = keys.length - 1;
    const rows = new Int32Array(m);
    const segmentOf = new Int32Array(m);
    const counts = new Int32Array(m + 1);
    let count = 0;
    for (let o = 0; o < m; o++) {
      const id = ids[o];
      if (!(id >= 0 && id < this.slots)) {
        this.clear(count);
        throw new Error(`slot id ${id} at position ${o} is outside 0..${this.slots - 1}`);
      }
      // Fibonacci hashing: the product's top bits, which every bit of the id reaches.
      let h = Math.imul(id, 0x9e3779b1) >>> shift;
      while (keys[h] !== 0 && keys[h] !== id + 1) h = (h + 1) & mask;
      let u: number;
      if (keys[h] === 0) {
        u = count++;
        keys[h] = id + 1;
        values[h] = u;
        placed[u] = h;
        rows[u] = id;
      } else u = values[h];
      segmentOf[o] = u;
      counts[u + 1]++;
    }
    this.clear(count);
    const offsets = new Int32Array(count + 1);
    for (let u = 0; u < count; u++) offsets[u + 1] = offsets[u] + counts[u + 1];
    const fill = offsets.slice(0, count);
    const occurrences = new Int32Array(m);
    for (let o = 0; o < m; o++) occurrences[fill[segmentOf[o]]++] = o;
    return { count, rows: rows.slice(0, count), offsets, occurrences, segmentOf };
  }

  /** Sizes the table for `m` ids: a power of two, at least 2m (load at most one half). */
  private reserve(m: number): void {
    let bits = 4;
    while (1 << bits < 2 * m) bits++;
    if (this.keys.length >= 1 << bits) return;
    this.keys = new Int32Array(1 << bits);
    this.values = new Int32Array(1 << bits);
    this.placed = new Int32Array(1 << (bits - 1));
    this.shift = 32 - bits;
  }

  /** Frees the entries of the `count` segments just made (the table is empty between calls). */
  private clear(count: number): void {
    for (let u = 0; u < count; u++) this.keys[this.placed[u]] = 0;
  }
}
