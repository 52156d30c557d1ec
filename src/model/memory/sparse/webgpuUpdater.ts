/// <reference types="@webgpu/types" />

import { kernelMode } from '../../ops/kernelMode';
import { computePipeline } from '../../ops/webgpu/computePipeline';
import { GpuSlotGrouping, groupingLayout, workgroupGrid } from '../../ops/webgpu/slotGrouping';
import type { RowStep, RowUpdater, ValueTables } from './adam';
import { idCount, readSlotIds } from './slotIds';

/**
 * Sparse Adam on WebGPU, in place: one compute pass over the touched rows writes the value table
 * and both moments directly in tfjs's own GPU buffers. Each thread owns one (row, column): it sums
 * that row's occurrences of the gradient in ascending order (deterministic, no atomics), then
 * applies Adam. Nothing else of the table is read or written.
 *
 * The grouping of the ids by row comes from the GPU (ops/webgpu/slotGrouping.ts: no read back)
 * or, with kernelMode('valueGrouping') 'reference', from the CPU after reading the ids back (the
 * path it is checked against). Both give the occurrences of each row in the same order to the same
 * update shader, so they write the same bits.
 */

interface TensorDataLike {
  resource?: unknown;
  values?: unknown;
}

/** The parts of tfjs-backend-webgpu's WebGPUBackend this updater uses. */
export interface WebGpuBackendLike {
  device: GPUDevice;
  tensorMap: { has(dataId: object): boolean; get(dataId: object): TensorDataLike | undefined };
  uploadToGPU(dataId: object): void;
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
}

export function isWebGpuBackend(b: unknown): b is WebGpuBackendLike {
  const w = b as WebGpuBackendLike | null;
  return (
    w?.device != null &&
    typeof w.tensorMap?.get === 'function' &&
    typeof w.uploadToGPU === 'function' &&
    typeof w.submitQueue === 'function' &&
    typeof w.ensureCommandEncoderReady === 'function' &&
    typeof w.endComputePassEncoder === 'function'
  );
}

const WORKGROUP = 64;
const PARAMS_BYTES = 64;

const SHADER = /* wgsl */ `
struct Params {
  vdim: u32,
  rowsAt: u32,
  offsetsAt: u32,
  occurrencesAt: u32,
  pad0: u32,
  pad1: u32,
  pad2: u32,
  pad3: u32,
  stepSize: f32,
  beta1: f32,
  beta2: f32,
  eps: f32,
  // 1 - beta in float64 then rounded: 1 - f32(0.999) would be off by 1e-5 relative.
  oneMinusBeta1: f32,
  oneMinusBeta2: f32,
  pad4: f32,
  pad5: f32,
};

@group(0) @binding(0) var<storage, read_write> table: array<f32>;
@group(0) @binding(1) var<storage, read_write> mom1: array<f32>;
@group(0) @binding(2) var<storage, read_write> mom2: array<f32>;
@group(0) @binding(3) var<storage, read> grads: array<f32>;
// [U | rows (U) | offsets (U + 1) | occurrences], at the word offsets of params.
@group(0) @binding(4) var<storage, read> index: array<i32>;
@group(0) @binding(5) var<uniform> params: Params;
// The trainer's [gradScale, apply]: a step it found non-finite on the device writes nothing.
@group(0) @binding(6) var<storage, read> control: array<f32>;

@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let t = gid.y * groups.x * ${WORKGROUP}u + gid.x;
  // The grid may be larger than the rows (the GPU grouping's count is known only on the GPU).
  if (t >= u32(index[0]) * params.vdim || !(control[1] > 0.0)) {
    return;
  }
  let u = t / params.vdim;
  let c = t - u * params.vdim;
  let first = u32(index[params.offsetsAt + u]);
  let last = u32(index[params.offsetsAt + u + 1u]);
  var g = 0.0;
  for (var o = first; o < last; o = o + 1u) {
    g = g + grads[u32(index[params.occurrencesAt + o]) * params.vdim + c];
  }
  let at = u32(index[params.rowsAt + u]) * params.vdim + c;
  let m = params.beta1 * mom1[at] + params.oneMinusBeta1 * g;
  let v = params.beta2 * mom2[at] + params.oneMinusBeta2 * g * g;
  mom1[at] = m;
  mom2[at] = v;
  table[at] = table[at] - params.stepSize * m / (sqrt(v) + params.eps);
}
`;

interface IndexLayout {
  rowsAt: number;
  offsetsAt: number;
  occurrencesAt: number;
}

export class WebGpuRowUpdater implements RowUpdater {
  readonly kind = 'webgpu';
  private indexBuffer: GPUBuffer | null = null;
  private grouping: GpuSlotGrouping | null = null;
  private readonly params: GPUBuffer;
  /** [1, 1]: the control of a step without one (always applied). */
  private readonly alwaysApply: GPUBuffer;

  constructor(private readonly backend: WebGpuBackendLike) {
    this.params = backend.device.createBuffer({
      size: PARAMS_BYTES,
      usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
    });
    this.alwaysApply = backend.device.createBuffer({
      size: 8,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
    });
    backend.device.queue.writeBuffer(this.alwaysApply, 0, new Float32Array([1, 1]));
  }

  private gpuBuffer(dataId: object): GPUBuffer {
    const resource = this.backend.tensorMap.get(dataId)?.resource;
    if (!(resource instanceof GPUBuffer)) throw new Error('webgpu value update: tensor has no GPU buffer');
    return resource;
  }

  private indexBufferFor(bytes: number): GPUBuffer {
    if (!this.indexBuffer || this.indexBuffer.size < bytes) {
      this.indexBuffer?.destroy();
      this.indexBuffer = this.backend.device.createBuffer({
        size: bytes,
        usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST,
      });
    }
    return this.indexBuffer;
  }

  async apply(tables: ValueTables, step: RowStep): Promise<void> {
    if (idCount(step.ids) === 0) return;
    if (kernelMode('valueGrouping') === 'reference') return this.applyCpuGrouped(tables, step);
    this.applyGpuGrouped(tables, step);
  }

  /** The reference: ids read back and grouped on the CPU (one wait per step). */
  private async applyCpuGrouped(tables: ValueTables, step: RowStep): Promise<void> {
    const segments = step.segmenter.segment(await readSlotIds(step.ids));
    const count = segments.count;
    const index = new Int32Array(2 * count + 2 + segments.occurrences.length);
    index[0] = count;
    index.set(segments.rows, 1);
    index.set(segments.offsets, 1 + count);
    index.set(segments.occurrences, 2 + 2 * count);
    this.submitTfjsWork(tables, step);
    const indexBuffer = this.indexBufferFor(index.byteLength);
    this.backend.device.queue.writeBuffer(indexBuffer, 0, index);
    const encoder = this.backend.device.createCommandEncoder();
    const layout = { rowsAt: 1, offsetsAt: 1 + count, occurrencesAt: 2 + 2 * count };
    this.encodeUpdate(encoder, tables, step, indexBuffer, layout, count);
    this.finish(encoder, tables);
  }

  /** Ids grouped on the GPU: everything is recorded, nothing is waited for. */
  private applyGpuGrouped(tables: ValueTables, step: RowStep): void {
    const { backend } = this;
    for (const t of step.ids) {
      if (t.dtype !== 'int32')
        throw new Error(`webgpu value update: slot ids must be int32 (got ${t.dtype})`);
      backend.uploadToGPU(t.dataId);
    }
    this.submitTfjsWork(tables, step);
    this.grouping ??= new GpuSlotGrouping(backend.device);
    const encoder = backend.device.createCommandEncoder();
    const sources = step.ids.map((t) => ({ buffer: this.gpuBuffer(t.dataId), count: t.size }));
    const total = idCount(step.ids);
    const index = this.grouping.encode(encoder, sources, tables.values.shape[0]);
    // At most M distinct rows: threads past the GPU's row count return at once.
    this.encodeUpdate(encoder, tables, step, index, groupingLayout(total), total);
    this.finish(encoder, tables);
  }

  /**
   * tfjs records into its own encoder and submits in batches: submit what it holds (the uploads,
   * the gradient, earlier reads of the table) so that all of it runs before these passes.
   */
  private submitTfjsWork(tables: ValueTables, step: RowStep): void {
    const { backend } = this;
    for (const t of [tables.values, tables.m, tables.v, step.grads]) backend.uploadToGPU(t.dataId);
    if (step.control) backend.uploadToGPU(step.control.dataId);
    backend.ensureCommandEncoderReady();
    backend.endComputePassEncoder();
    backend.submitQueue();
  }

  /** The row update over `rows` rows at most (the exact count is read on the GPU from the index). */
  private encodeUpdate(
    encoder: GPUCommandEncoder,
    tables: ValueTables,
    step: RowStep,
    index: GPUBuffer,
    layout: IndexLayout,
    rows: number,
  ): void {
    const { device } = this.backend;
    const { adam } = step;
    const vDim = tables.values.shape[1];
    const params = new ArrayBuffer(PARAMS_BYTES);
    new Uint32Array(params, 0, 8).set([vDim, layout.rowsAt, layout.offsetsAt, layout.occurrencesAt]);
    new Float32Array(params, 32, 8).set([
      step.stepSize,
      adam.beta1,
      adam.beta2,
      adam.eps,
      1 - adam.beta1,
      1 - adam.beta2,
      0,
      0,
    ]);
    device.queue.writeBuffer(this.params, 0, params);
    const pipeline = computePipeline(device, SHADER);
    const dataIds = [tables.values.dataId, tables.m.dataId, tables.v.dataId, step.grads.dataId];
    const bindGroup = device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: [
        ...dataIds.map((id, binding) => ({ binding, resource: { buffer: this.gpuBuffer(id) } })),
        { binding: 4, resource: { buffer: index } },
        { binding: 5, resource: { buffer: this.params } },
        {
          binding: 6,
          resource: { buffer: step.control ? this.gpuBuffer(step.control.dataId) : this.alwaysApply },
        },
      ],
    });
    const [groupsX, groupsY] = workgroupGrid(rows * vDim, WORKGROUP);
    const pass = encoder.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(groupsX, groupsY);
    pass.end();
  }

  private finish(encoder: GPUCommandEncoder, tables: ValueTables): void {
    this.backend.device.queue.submit([encoder.finish()]);
    // tfjs caches what it last read back on the CPU: drop it, the GPU copy is now newer.
    for (const t of [tables.values, tables.m, tables.v]) {
      const data = this.backend.tensorMap.get(t.dataId);
      if (data) data.values = null;
    }
  }

  dispose(): void {
    this.indexBuffer?.destroy();
    this.indexBuffer = null;
    this.grouping?.dispose();
    this.grouping = null;
    this.params.destroy();
    this.alwaysApply.destroy();
  }
}
