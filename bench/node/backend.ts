import { existsSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { type AdapterLike, type GpuLike, gpuInfo } from '../lib/gpu';
import type { DeviceClass } from '../lib/plan';
import type { GpuInfo } from '../lib/result';

export type NodeBackend = 'cpu' | 'wasm' | 'webgpu';
export const NODE_BACKENDS: readonly NodeBackend[] = ['wasm', 'cpu', 'webgpu'];

/** Chromium's SwiftShader Vulkan driver: the software adapter used when no GPU driver answers. */
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/**
 * WebGPU in Node through the `webgpu` package (Dawn). The adapter Vulkan offers is used (a real
 * GPU when its driver is installed, or whatever VK_ICD_FILENAMES names); when there is none and
 * Chromium's SwiftShader is installed, that software adapter is used, and the run says so.
 */
async function startNodeWebGpu(
  log: (m: string) => void,
  loadDawn: DawnLoader,
): Promise<{ gpu: GpuLike; adapter: AdapterLike }> {
  process.env.XDG_RUNTIME_DIR ??= '/tmp';
  const { create, globals } = await loadDawn();
  let gpu = create([]) as unknown as GpuLike;
  let adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter && !process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) {
    log(`webgpu: no Vulkan adapter found; using SwiftShader (${SWIFTSHADER_ICD}), a software adapter`);
    // Dawn reads the variable when an instance is created, so a second instance sees it.
    process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
    gpu = create([]) as unknown as GpuLike;
    adapter = await gpu.requestAdapter();
  }
  if (!adapter) {
    throw new Error(
      `webgpu: no WebGPU adapter found by Dawn. Install the GPU's Vulkan driver (and libvulkan1), or point VK_ICD_FILENAMES at a Vulkan ICD JSON (e.g. ${SWIFTSHADER_ICD} for the software adapter).`,
    );
  }
  Object.assign(globalThis, globals);
  Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  await import('@tensorflow/tfjs-backend-webgpu');
  return { gpu, adapter };
}

/** Dawn's two exports; the GPU bundle loads its own copy of the addon instead of the npm package. */
export interface DawnModule {
  create(flags: string[]): unknown;
  globals: Record<string, unknown>;
}
export type DawnLoader = () => Promise<DawnModule>;

const npmDawn: DawnLoader = async () => (await import('webgpu')) as unknown as DawnModule;

export interface NodeBackendChoice {
  backend: NodeBackend;
  device: DeviceClass;
  gpu?: GpuInfo;
}

export async function setupNodeBackend(
  name: NodeBackend,
  log: (m: string) => void,
  loadDawn: DawnLoader = npmDawn,
): Promise<NodeBackendChoice> {
  if (!NODE_BACKENDS.includes(name)) {
    throw new Error(
      `--backend must be one of ${NODE_BACKENDS.join(', ')} in Node (got ${JSON.stringify(name)})`,
    );
  }
  let gpu: GpuInfo | undefined;
  if (name === 'webgpu') gpu = gpuInfo((await startNodeWebGpu(log, loadDawn)).adapter);
  if (!(await tf.setBackend(name))) throw new Error(`tfjs could not start its ${name} backend`);
  await tf.ready();
  const device: DeviceClass =
    name === 'webgpu' ? (gpu?.fallback ? 'software-gpu' : 'gpu') : name === 'cpu' ? 'cpu' : 'wasm';
  return { backend: name, device, ...(gpu ? { gpu } : {}) };
}
