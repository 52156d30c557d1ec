import type { GpuInfo } from './result';

/** What the benchmark reads from a WebGPU adapter (browser or Dawn in Node). */
export interface AdapterLike {
  isFallbackAdapter?: boolean;
  info?: Partial<Record<'vendor' | 'architecture' | 'device' | 'description', string>> & {
    isFallbackAdapter?: boolean;
  };
}
export interface GpuLike {
  requestAdapter(options?: { powerPreference?: string }): Promise<AdapterLike | null>;
}

/** Adapter details; SwiftShader and llvmpipe count as software even when not flagged as fallback. */
export function gpuInfo(adapter: AdapterLike): GpuInfo {
  const info = adapter.info ?? {};
  const description = info.description ?? '';
  const name =
    description || [info.vendor, info.architecture, info.device].filter(Boolean).join(' ') || 'unknown';
  return {
    name,
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    device: info.device ?? '',
    description,
    fallback:
      Boolean(adapter.isFallbackAdapter ?? info.isFallbackAdapter) ||
      /swiftshader|llvmpipe|lavapipe/i.test(`${info.vendor} ${info.architecture} ${description}`),
  };
}
