import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-webgpu';

export type BackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu';

/** Fastest first: the order in which backends are tried when none is forced. */
export const BACKEND_ORDER: readonly BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

export interface BackendFallback {
  backend: BackendName;
  reason: string;
}

export interface BackendChoice {
  backend: BackendName;
  /** Backends tried before the chosen one, each with why it was not used. */
  fallbacks: BackendFallback[];
  /** Adapter details when running on WebGPU (e.g. SwiftShader is a software fallback adapter). */
  adapter?: { fallback: boolean; description: string };
}

export function isBackendName(value: unknown): value is BackendName {
  return typeof value === 'string' && (BACKEND_ORDER as readonly string[]).includes(value);
}

interface GpuAdapterLike {
  isFallbackAdapter?: boolean;
  info?: { vendor?: string; architecture?: string; description?: string };
}
interface GpuLike {
  requestAdapter(): Promise<GpuAdapterLike | null>;
}

/** Why WebGPU cannot be used here, or null when an adapter is available. */
async function webgpuUnavailable(): Promise<{ reason: string } | { adapter: GpuAdapterLike }> {
  const gpu = (globalThis.navigator as { gpu?: GpuLike } | undefined)?.gpu;
  if (!gpu) return { reason: 'navigator.gpu is missing (this browser or context has no WebGPU)' };
  try {
    const adapter = await gpu.requestAdapter();
    if (!adapter) return { reason: 'no WebGPU adapter was found' };
    return { adapter };
  } catch (err) {
    return { reason: `requesting a WebGPU adapter failed: ${(err as Error).message}` };
  }
}

/** What keeps `name` from being used here, or null when it is worth trying. */
function precondition(name: BackendName): string | null {
  if (name === 'webgl') {
    const canvas = (globalThis as { OffscreenCanvas?: typeof OffscreenCanvas }).OffscreenCanvas;
    if (typeof document === 'undefined' && !canvas) return 'no WebGL context outside a page';
  }
  return null;
}

/**
 * Switches tfjs to the first backend of `order` that initialises, starting from `preferred` when
 * given, and says why each earlier one was skipped. Backends in `avoid` (e.g. one whose device was
 * lost) are skipped with that reason.
 */
export async function chooseBackend(
  preferred?: BackendName,
  order = BACKEND_ORDER,
  avoid: readonly BackendFallback[] = [],
): Promise<BackendChoice> {
  const candidates = preferred ? [preferred, ...order.filter((b) => b !== preferred)] : [...order];
  const fallbacks: BackendFallback[] = [];
  let adapter: BackendChoice['adapter'];
  for (const name of candidates) {
    const avoided = avoid.find((a) => a.backend === name);
    if (avoided) {
      fallbacks.push(avoided);
      continue;
    }
    if (name === 'webgpu') {
      const probe = await webgpuUnavailable();
      if ('reason' in probe) {
        fallbacks.push({ backend: name, reason: probe.reason });
        continue;
      }
      const info = probe.adapter.info ?? {};
      adapter = {
        fallback: Boolean(probe.adapter.isFallbackAdapter),
        description:
          [info.vendor, info.architecture, info.description].filter(Boolean).join(' ') || 'unknown',
      };
    }
    const blocked = precondition(name);
    if (blocked) {
      fallbacks.push({ backend: name, reason: blocked });
      continue;
    }
    try {
      if (await tf.setBackend(name)) {
        await tf.ready();
        return { backend: name, fallbacks, ...(name === 'webgpu' ? { adapter } : {}) };
      }
      fallbacks.push({ backend: name, reason: `tfjs could not initialise ${name}` });
    } catch (err) {
      fallbacks.push({ backend: name, reason: `${name} failed to start: ${(err as Error).message}` });
    }
  }
  throw new Error(
    `No tfjs backend could start: ${fallbacks.map((f) => `${f.backend}: ${f.reason}`).join('; ')}`,
  );
}

interface GpuDeviceLike {
  lost: Promise<{ reason?: string; message?: string }>;
  destroy(): void;
}

/** The GPUDevice of tfjs's WebGPU backend while it is the active backend, else null. */
export function activeWebgpuDevice(): GpuDeviceLike | null {
  if (tf.getBackend() !== 'webgpu') return null;
  const device = (tf.backend() as unknown as { device?: GpuDeviceLike }).device;
  return device && typeof device.destroy === 'function' ? device : null;
}
