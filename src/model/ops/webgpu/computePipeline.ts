/**
 * Raw WebGPU compute pipelines of the hand-written passes (dense Adam, the sparse row update), built
 * once per device and shader: tfjs's own program cache only covers its WebGPUProgram kernels.
 */
const cache = new WeakMap<GPUDevice, Map<string, GPUComputePipeline>>();

/** The pipeline of a WGSL shader whose entry point is `main`, compiled on first use per device. */
export function computePipeline(device: GPUDevice, code: string): GPUComputePipeline {
  let byCode = cache.get(device);
  if (!byCode) {
    byCode = new Map();
    cache.set(device, byCode);
  }
  let pipeline = byCode.get(code);
  if (!pipeline) {
    const module = device.createShaderModule({ code });
    pipeline = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
    byCode.set(code, pipeline);
  }
  return pipeline;
}
