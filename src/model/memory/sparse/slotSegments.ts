/**
 * Groups the slot ids read by one training step by slot: the unique slots and, for each, the
 * positions (occurrences) that read it. Work is O(ids), independent of the number of slots: a
 * marker array of one int per slot is allocated once and only the touched entries are reset.
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
  private readonly marker: Int32Array;

  constructor(readonly slots: number) {
    this.marker = new Int32Array(slots).fill(-1);
  }

  segment(ids: Int32Array): SlotSegments {
    const m = ids.length;
    const marker = this.marker;
    const rows = new Int32Array(m);
    const segmentOf = new Int32Array(m);
    const counts = new Int32Array(m + 1);
    let count = 0;
    for (let o = 0; o < m; o++) {
      const id = ids[o];
      if (!(id >= 0 && id < this.slots)) {
        this.reset(rows, count);
        throw new Error(`slot id ${id} at position ${o} is outside 0..${this.slots - 1}`);
      }
      let u = marker[id];
      if (u < 0) {
        u = count++;
        marker[id] = u;
        rows[u] = id;
      }
      segmentOf[o] = u;
      counts[u + 1]++;
    }
    this.reset(rows, count);
    const offsets = new Int32Array(count + 1);
    for (let u = 0; u < count; u++) offsets[u + 1] = offsets[u] + counts[u + 1];
    const fill = offsets.slice(0, count);
    const occurrences = new Int32Array(m);
    for (let o = 0; o < m; o++) occurrences[fill[segmentOf[o]]++] = o;
    return { count, rows: rows.slice(0, count), offsets, occurrences, segmentOf };
  }

  private reset(rows: Int32Array, count: number): void {
    for (let u = 0; u < count; u++) this.marker[rows[u]] = -1;
  }
}
