/// <reference types="@webgpu/types" />

import { computePipeline } from './computePipeline';

/**
 * Groups a training step's slot ids by slot on the GPU, with no read back and a fixed number of
 * passes: what sparse/slotSegments.ts does on the CPU, for the WebGPU sparse Adam. The result is
 * an index buffer of u32 words laid out as
 *
 *   [U | rows (U of M) | offsets (U + 1 of M + 1) | occurrences (≤ M)]   (see groupingLayout)
 *
 * where the occurrences of each row are in ascending order, as the CPU grouping has them, so a
 * row update that sums them in order gives the same bits. Only the order of the rows differs
 * (hash order, not first occurrence), which no row's result depends on.
 *
 * Passes (M ids, H = power of two ≥ max(2M, 256) buckets):
 *  clear   keys and counts zeroed (clearBuffer), the members' ids copied in member order;
 *  insert  per id: linear probing with compare-exchange on the key (id + 1; 0 = empty), the
 *          bucket kept per occurrence, the bucket's count incremented;
 *  scan    one workgroup: exclusive scan of the counts (occurrence offsets) and of the non-empty
 *          buckets (row numbers); writes U, rows and offsets, and zeroes the counts for the fill;
 *  fill    per id: an atomic cursor per bucket places it among its bucket's members (any order);
 *  rank    per id: its rank among its bucket's members (how many are smaller) is its place in the
 *          sorted occurrences. O(bucket size) per id: a slot read by every id costs M² compares
 *          in all, spread over M threads, still correct.
 * Ids outside 0..slots−1 are left out of every row (nothing is written for them).
 */

const WORKGROUP = 64;
const SCAN_THREADS = 256;
const PARAMS_BYTES = 32;
const MAX_GROUPS_PER_DIM = 65_535;

/** Word offsets of the parts of the index buffer for M ids. */
export function groupingLayout(total: number): { rowsAt: number; offsetsAt: number; occurrencesAt: number } {
  return { rowsAt: 1, offsetsAt: 1 + total, occurrencesAt: 2 + 2 * total };
}

/** The buckets of the hash table for M ids: a power of two, at most half full, ≥ one per scan thread. */
export function bucketCount(total: number): number {
  let h = SCAN_THREADS;
  while (h < 2 * total) h *= 2;
  return h;
}

/** Workgroups for `threads` threads of WORKGROUP, split in y past the per-dimension limit. */
export function workgroupGrid(threads: number, size = WORKGROUP): [number, number] {
  const groups = Math.max(1, Math.ceil(threads / size));
  const x = Math.min(groups, MAX_GROUPS_PER_DIM);
  return [x, Math.ceil(groups / x)];
}

const PARAMS = /* wgsl */ `
struct Grouping {
  total: u32,
  slots: u32,
  buckets: u32,
  shift: u32,
  chunk: u32,
  rowsAt: u32,
  offsetsAt: u32,
  occurrencesAt: u32,
};
const NONE = 0xffffffffu;
@group(0) @binding(0) var<uniform> p: Grouping;
`;

/** The id of a thread of a 1-D grid split in x and y. */
const THREAD = /* wgsl */ `
fn thread(gid: vec3<u32>, groups: vec3<u32>) -> u32 {
  return gid.y * groups.x * ${WORKGROUP}u + gid.x;
}
`;

/** A pass of one thread per id `o` (threads past the last id return): its bindings, then its body. */
function perIdPass(bindings: string, body: string): string {
  return /* wgsl */ `${PARAMS}${THREAD}${bindings}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let o = thread(gid, groups);
  if (o >= p.total) {
    return;
  }
${body}}
`;
}

/** The start of a body for ids with a bucket `b` (ids out of range have none and return). */
const IN_BUCKET = /* wgsl */ `  let b = bucketOf[o];
  if (b == NONE) {
    return;
  }
`;

const INSERT = perIdPass(
  /* wgsl */ `
@group(0) @binding(1) var<storage, read> ids: array<u32>;
@group(0) @binding(2) var<storage, read_write> keys: array<atomic<u32>>;
@group(0) @binding(3) var<storage, read_write> counts: array<atomic<u32>>;
@group(0) @binding(4) var<storage, read_write> bucketOf: array<u32>;
`,
  /* wgsl */ `  // A negative i32 id reads as a large u32: out of range too.
  let id = ids[o];
  if (id >= p.slots) {
    bucketOf[o] = NONE;
    return;
  }
  let key = id + 1u;
  let mask = p.buckets - 1u;
  var b = (id * 2654435761u) >> p.shift;
  loop {
    let seen = atomicCompareExchangeWeak(&keys[b], 0u, key);
    if (seen.exchanged || seen.old_value == key) {
      break;
    }
    // A weak exchange may fail spuriously on an empty bucket: that one is tried again.
    if (seen.old_value != 0u) {
      b = (b + 1u) & mask;
    }
  }
  bucketOf[o] = b;
  atomicAdd(&counts[b], 1u);
`,
);

const SCAN = /* wgsl */ `${PARAMS}
@group(0) @binding(1) var<storage, read> keys: array<u32>;
@group(0) @binding(2) var<storage, read_write> counts: array<u32>;
@group(0) @binding(3) var<storage, read_write> starts: array<u32>;
@group(0) @binding(4) var<storage, read_write> index: array<u32>;

var<workgroup> sums: array<vec2<u32>, ${SCAN_THREADS}>;

@compute @workgroup_size(${SCAN_THREADS})
fn main(@builtin(local_invocation_index) t: u32) {
  // Each thread owns a run of chunk buckets: (occurrences, non-empty buckets) summed over it.
  let first = t * p.chunk;
  var own = vec2<u32>(0u, 0u);
  for (var i = 0u; i < p.chunk; i = i + 1u) {
    let c = counts[first + i];
    own = own + vec2<u32>(c, min(c, 1u));
  }
  sums[t] = own;
  workgroupBarrier();
  for (var d = 1u; d < ${SCAN_THREADS}u; d = d * 2u) {
    var add = vec2<u32>(0u, 0u);
    if (t >= d) {
      add = sums[t - d];
    }
    workgroupBarrier();
    sums[t] = sums[t] + add;
    workgroupBarrier();
  }
  var run = sums[t] - own;
  for (var i = 0u; i < p.chunk; i = i + 1u) {
    let b = first + i;
    let c = counts[b];
    starts[b] = run.x;
    counts[b] = 0u;
    if (c > 0u) {
      index[p.rowsAt + run.y] = keys[b] - 1u;
      index[p.offsetsAt + run.y] = run.x;
    }
    run = run + vec2<u32>(c, min(c, 1u));
  }
  if (t == ${SCAN_THREADS - 1}u) {
    index[0] = run.y;
    index[p.offsetsAt + run.y] = run.x;
  }
}
`;

const FILL = perIdPass(
  /* wgsl */ `
@group(0) @binding(1) var<storage, read> bucketOf: array<u32>;
@group(0) @binding(2) var<storage, read> starts: array<u32>;
@group(0) @binding(3) var<storage, read_write> counts: array<atomic<u32>>;
@group(0) @binding(4) var<storage, read_write> members: array<u32>;
`,
  /* wgsl */ `${IN_BUCKET}  members[starts[b] + atomicAdd(&counts[b], 1u)] = o;
`,
);

const RANK = perIdPass(
  /* wgsl */ `
@group(0) @binding(1) var<storage, read> bucketOf: array<u32>;
@group(0) @binding(2) var<storage, read> starts: array<u32>;
@group(0) @binding(3) var<storage, read> counts: array<u32>;
@group(0) @binding(4) var<storage, read> members: array<u32>;
@group(0) @binding(5) var<storage, read_write> index: array<u32>;
`,
  /* wgsl */ `${IN_BUCKET}  let first = starts[b];
  let last = first + counts[b];
  var rank = 0u;
  for (var q = first; q < last; q = q + 1u) {
    rank = rank + select(0u, 1u, members[q] < o);
  }
  index[p.occurrencesAt + first + rank] = o;
`,
);

/** Where one member's ids lie: a GPU buffer of `count` int32 values from its start. */
export interface IdSource {
  buffer: GPUBuffer;
  count: number;
}

interface Scratch {
  capacity: number;
  buckets: number;
  ids: GPUBuffer;
  keys: GPUBuffer;
  counts: GPUBuffer;
  starts: GPUBuffer;
  bucketOf: GPUBuffer;
  members: GPUBuffer;
  index: GPUBuffer;
  bindGroups: GPUBindGroup[];
}

export class GpuSlotGrouping {
  private readonly params: GPUBuffer;
  private scratch: Scratch | null = null;

  constructor(private readonly device: GPUDevice) {
    this.params = device.createBuffer({
      size: PARAMS_BYTES,
      usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
    });
  }

  /**
   * Records the grouping of the ids (joined in the order given) into `encoder` for a table of
   * `slots` rows; returns the index buffer it fills (valid once the encoder's work has run).
   */
  encode(encoder: GPUCommandEncoder, sources: readonly IdSource[], slots: number): GPUBuffer {
    const total = sources.reduce((n, s) => n + s.count, 0);
    const s = this.scratchFor(total);
    const buckets = bucketCount(total);
    const layout = groupingLayout(total);
    this.device.queue.writeBuffer(
      this.params,
      0,
      new Uint32Array([
        total,
        slots,
        buckets,
        32 - Math.log2(buckets),
        buckets / SCAN_THREADS,
        layout.rowsAt,
        layout.offsetsAt,
        layout.occurrencesAt,
      ]),
    );
    encoder.clearBuffer(s.keys, 0, buckets * 4);
    encoder.clearBuffer(s.counts, 0, buckets * 4);
    let at = 0;
    for (const src of sources) {
      encoder.copyBufferToBuffer(src.buffer, 0, s.ids, at * 4, src.count * 4);
      at += src.count;
    }
    const pass = encoder.beginComputePass();
    const grid = workgroupGrid(total);
    const run = (code: string, group: GPUBindGroup, size: [number, number]) => {
      pass.setPipeline(computePipeline(this.device, code));
      pass.setBindGroup(0, group);
      pass.dispatchWorkgroups(size[0], size[1]);
    };
    const [insert, scan, fill, rank] = s.bindGroups;
    run(INSERT, insert, grid);
    run(SCAN, scan, [1, 1]);
    run(FILL, fill, grid);
    run(RANK, rank, grid);
    pass.end();
    return s.index;
  }

  /** Scratch buffers for at least `total` ids, made again only when a step has more ids. */
  private scratchFor(total: number): Scratch {
    if (this.scratch && this.scratch.capacity >= total) return this.scratch;
    this.destroyScratch();
    const capacity = Math.max(1, total);
    const buckets = bucketCount(capacity);
    const buffer = (words: number, extra = 0) =>
      this.device.createBuffer({ size: words * 4, usage: GPUBufferUsage.STORAGE | extra });
    const ids = buffer(capacity, GPUBufferUsage.COPY_DST);
    const keys = buffer(buckets, GPUBufferUsage.COPY_DST);
    const counts = buffer(buckets, GPUBufferUsage.COPY_DST);
    const starts = buffer(buckets);
    const bucketOf = buffer(capacity);
    const members = buffer(capacity);
    const index = buffer(3 * capacity + 2);
    const group = (code: string, buffers: GPUBuffer[]) =>
      this.device.createBindGroup({
        layout: computePipeline(this.device, code).getBindGroupLayout(0),
        entries: [this.params, ...buffers].map((b, binding) => ({ binding, resource: { buffer: b } })),
      });
    const bindGroups = [
      group(INSERT, [ids, keys, counts, bucketOf]),
      group(SCAN, [keys, counts, starts, index]),
      group(FILL, [bucketOf, starts, counts, members]),
      group(RANK, [bucketOf, starts, counts, members, index]),
    ];
    this.scratch = { capacity, buckets, ids, keys, counts, starts, bucketOf, members, index, bindGroups };
    return this.scratch;
  }

  private destroyScratch(): void {
    const s = this.scratch;
    if (!s) return;
    for (const b of [s.ids, s.keys, s.counts, s.starts, s.bucketOf, s.members, s.index]) b.destroy();
    this.scratch = null;
  }

  dispose(): void {
    this.destroyScratch();
    this.params.destroy();
  }
}
