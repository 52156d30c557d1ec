/// <reference types="@webgpu/types" />

import { computePipeline } from '../../ops/webgpu/computePipeline';
import type { RowStep, RowUpdater, ValueTables } from './adam';

/**
 * Sparse Adam on WebGPU, in place: one compute pass over the touched rows writes the value table
 * and both moments directly in tfjs's own GPU buffers. Each thread owns one (row, column): it sums
 * that row's occurrences of the gradient in a fixed order (deterministic, no atomics), then
 * applies Adam. Nothing else of the table is read or written.
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
const MAX_GROUPS_PER_DIM = 65_535;

const SHADER = /* wgsl */ `
struct Params {
  count: u32,
  vdim: u32,
  offsetsAt: u32,
  occurrencesAt: u32,
  rowStride: u32,
  pad0: u32,
  pad1: u32,
  pad2: u32,
  stepSize: f32,
  beta1: f32,
  beta2: f32,
  eps: f32,
  // 1 - beta in float64 then rounded: 1 - f32(0.999) would be off by 1e-5 relative.
  oneMinusBeta1: f32,
  oneMinusBeta2: f32,
  pad3: f32,
  pad4: f32,
};

@group(0) @binding(0) var<storage, read_write> table: array<f32>;
@group(0) @binding(1) var<storage, read_write> mom1: array<f32>;
@group(0) @binding(2) var<storage, read_write> mom2: array<f32>;
@group(0) @binding(3) var<storage, read> grads: array<f32>;
// [rows (U) | offsets (U + 1) | occurrences (M)]
@group(0) @binding(4) var<storage, read> index: array<i32>;
@group(0) @binding(5) var<uniform> params: Params;
// The trainer's [gradScale, apply]: a step it found non-finite on the device writes nothing.
@group(0) @binding(6) var<storage, read> control: array<f32>;

@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let t = gid.y * params.rowStride + gid.x;
  if (t >= params.count * params.vdim || !(control[1] > 0.0)) {
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
  let at = u32(index[u]) * params.vdim + c;
  let m = params.beta1 * mom1[at] + params.oneMinusBeta1 * g;
  let v = params.beta2 * mom2[at] + params.oneMinusBeta2 * g * g;
  mom1[at] = m;
  mom2[at] = v;
  table[at] = table[at] - params.stepSize * m / (sqrt(v) + params.eps);
}
`;

export class WebGpuRowUpdater implements RowUpdater {
  readonly kind = 'webgpu';
  private indexBuffer: GPUBuffer | null = null;
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
    const { backend } = this;
    const { device } = backend;
    const { segments, adam } = step;
    const vDim = tables.values.shape[1];
    const count = segments.count;
    if (count === 0) return;
    const dataIds = [tables.values.dataId, tables.m.dataId, tables.v.dataId, step.grads.dataId];
    for (const id of dataIds) backend.uploadToGPU(id);
    if (step.control) backend.uploadToGPU(step.control.dataId);
    // tfjs records into its own encoder and submits in batches: submit what it holds (the uploads
    // above, the gradient, earlier reads of the table) so that all of it runs before this pass.
    backend.ensureCommandEncoderReady();
    backend.endComputePassEncoder();
    backend.submitQueue();

    const index = new Int32Array(2 * count + 1 + segments.occurrences.length);
    index.set(segments.rows, 0);
    index.set(segments.offsets, count);
    index.set(segments.occurrences, 2 * count + 1);
    const indexBuffer = this.indexBufferFor(index.byteLength);
    device.queue.writeBuffer(indexBuffer, 0, index);

    const groups = Math.ceil((count * vDim) / WORKGROUP);
    const groupsX = Math.min(groups, MAX_GROUPS_PER_DIM);
    const groupsY = Math.ceil(groups / groupsX);
    const params = new ArrayBuffer(PARAMS_BYTES);
    new Uint32Array(params, 0, 8).set([count, vDim, count, 2 * count + 1, groupsX * WORKGROUP, 0, 0, 0]);
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
    const bindGroup = device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: [
        ...dataIds.map((id, binding) => ({ binding, resource: { buffer: this.gpuBuffer(id) } })),
        { binding: 4, resource: { buffer: indexBuffer } },
        { binding: 5, resource: { buffer: this.params } },
        {
          binding: 6,
          resource: { buffer: step.control ? this.gpuBuffer(step.control.dataId) : this.alwaysApply },
        },
      ],
    });
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(groupsX, groupsY);
    pass.end();
    device.queue.submit([encoder.finish()]);
    // tfjs caches what it last read back on the CPU: drop it, the GPU copy is now newer.
    for (const id of dataIds.slice(0, 3)) {
      const data = backend.tensorMap.get(id);
      if (data) data.values = null;
    }
  }

  dispose(): void {
    this.indexBuffer?.destroy();
    this.indexBuffer = null;
    this.params.destroy();
    this.alwaysApply.destroy();
  }
}
