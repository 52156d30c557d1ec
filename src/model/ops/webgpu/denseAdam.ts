/// <reference types="@webgpu/types" />
import * as tf from '@tensorflow/tfjs';
import { isWebGpuBackend, type WebGpuBackendLike } from '../../memory/sparse/webgpuUpdater';
import type { DenseAdamArgs } from '../denseAdam';
import { computePipeline } from './computePipeline';

/**
 * Dense Adam on WebGPU, in place on tfjs's own buffers: one compute pass, one dispatch per
 * variable (a dispatch binds one variable, its gradient and moments: WebGPU's limit of storage
 * buffers per stage rules out binding them all), one submit. The clip scale and the apply flag
 * are read by the shader from the control tensor, so the CPU never waits for the step's stats.
 */

const WORKGROUP = 64;
const MAX_GROUPS_PER_DIM = 65_535;
/** One uniform block per variable, at offsets that are a multiple of the 256-byte alignment. */
const SLOT_BYTES = 256;

const SHADER = /* wgsl */ `
struct Params {
  size: u32,
  rowStride: u32,
  pad0: u32,
  pad1: u32,
  stepSize: f32,
  eps: f32,
  beta1: f32,
  beta2: f32,
  // 1 - beta in float64 then rounded, as the cpu kernel and the reference's scalars.
  oneMinusBeta1: f32,
  oneMinusBeta2: f32,
  pad2: f32,
  pad3: f32,
};

@group(0) @binding(0) var<storage, read_write> param: array<f32>;
@group(0) @binding(1) var<storage, read_write> mom1: array<f32>;
@group(0) @binding(2) var<storage, read_write> mom2: array<f32>;
@group(0) @binding(3) var<storage, read> grad: array<f32>;
// [gradScale, apply]
@group(0) @binding(4) var<storage, read> control: array<f32>;
@group(0) @binding(5) var<uniform> params: Params;

@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.y * params.rowStride + gid.x;
  // A masked step (NaN/Inf loss or gradient) writes nothing.
  if (i >= params.size || !(control[1] > 0.0)) {
    return;
  }
  let g = grad[i] * control[0];
  let m = mom1[i] * params.beta1 + g * params.oneMinusBeta1;
  let v = mom2[i] * params.beta2 + (g * g) * params.oneMinusBeta2;
  mom1[i] = m;
  mom2[i] = v;
  param[i] = param[i] - (m / (sqrt(v) + params.eps)) * params.stepSize;
}
`;

export const isWebGpuAdamBackend = isWebGpuBackend;

/** The uniform buffer of each device, grown to the largest variable count seen. */
const uniforms = new WeakMap<GPUDevice, GPUBuffer>();

function uniformBuffer(device: GPUDevice, bytes: number): GPUBuffer {
  let buffer = uniforms.get(device);
  if (!buffer || buffer.size < bytes) {
    buffer?.destroy();
    buffer = device.createBuffer({ size: bytes, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    uniforms.set(device, buffer);
  }
  return buffer;
}

function gpuBuffer(backend: WebGpuBackendLike, t: tf.Tensor): GPUBuffer {
  const resource = backend.tensorMap.get(t.dataId)?.resource;
  if (!(resource instanceof GPUBuffer)) throw new Error('webgpu dense Adam: a tensor has no GPU buffer');
  return resource;
}

export function denseAdamWebGpu(args: DenseAdamArgs): void {
  const backend = tf.backend();
  if (!isWebGpuBackend(backend)) throw new Error('webgpu dense Adam: the backend is not webgpu');
  const { device } = backend;
  const { variables, grads, m, v, control } = args;
  const written = [...variables, ...m, ...v];
  for (const t of [...written, ...grads, control]) backend.uploadToGPU(t.dataId);
  // tfjs batches its commands: submit what it holds (the gradients, the control) before this pass.
  backend.ensureCommandEncoderReady();
  backend.endComputePassEncoder();
  backend.submitQueue();

  const n = variables.length;
  const block = new ArrayBuffer(n * SLOT_BYTES);
  const groups = variables.map((x) => {
    const count = Math.ceil(x.size / WORKGROUP);
    const gx = Math.min(Math.max(count, 1), MAX_GROUPS_PER_DIM);
    return [gx, Math.ceil(count / gx)] as const;
  });
  variables.forEach((x, k) => {
    new Uint32Array(block, k * SLOT_BYTES, 4).set([x.size, groups[k][0] * WORKGROUP, 0, 0]);
    new Float32Array(block, k * SLOT_BYTES + 16, 8).set([
      args.stepSize,
      args.eps,
      args.beta1,
      args.beta2,
      1 - args.beta1,
      1 - args.beta2,
      0,
      0,
    ]);
  });
  const uniform = uniformBuffer(device, n * SLOT_BYTES);
  device.queue.writeBuffer(uniform, 0, block);

  const pipeline = computePipeline(device, SHADER);
  const layout = pipeline.getBindGroupLayout(0);
  const controlBuffer = gpuBuffer(backend, control);
  const encoder = device.createCommandEncoder();
  const pass = encoder.beginComputePass();
  pass.setPipeline(pipeline);
  variables.forEach((x, k) => {
    if (x.size === 0) return;
    const buffers = [x, m[k], v[k], grads[k]].map((t) => gpuBuffer(backend, t));
    const bindGroup = device.createBindGroup({
      layout,
      entries: [
        ...buffers.map((buffer, binding) => ({ binding, resource: { buffer } })),
        { binding: 4, resource: { buffer: controlBuffer } },
        { binding: 5, resource: { buffer: uniform, offset: k * SLOT_BYTES, size: 48 } },
      ],
    });
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(groups[k][0], groups[k][1]);
  });
  pass.end();
  device.queue.submit([encoder.finish()]);
  // tfjs caches what it last read back on the CPU: drop it, the GPU copy is now newer.
  for (const t of written) {
    const data = backend.tensorMap.get(t.dataId);
    if (data) data.values = null;
  }
}
