import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-webgpu';

export type BackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu';

/**
 * The automatic order. wasm comes before WebGL: a memory model's sparse value update copies whole
 * tables on WebGL (no in-place scatter there), and on small models wasm beats it anyway.
 */
export const BACKEND_ORDER: readonly BackendName[] = ['webgpu', 'wasm', 'webgl', 'cpu'];

/** Why the automatic order puts WebGL after wasm (shown when wasm is chosen). */
export const WEBGL_SKIPPED =
  'tried after wasm, since on WebGL the memory layers’ sparse update copies whole value tables every step';

export interface BackendFallback {
  backend: BackendName;
  reason: string;
}

export interface BackendChoice {
  backend: BackendName;
  /** Backends passed over before (or, for WebGL, instead of) the chosen one, each with why. */
  fallbacks: BackendFallback[];
  /** Adapter details when running on WebGPU (e.g. SwiftShader is a software fallback adapter). */
  adapter?: { fallback: boolean; description: string };
  /** The automatic choice passed over a software WebGPU adapter: its description. */
  softwareAdapter?: string;
}

export function isBackendName(value: unknown): value is BackendName {
  return typeof value === 'string' && (BACKEND_ORDER as readonly string[]).includes(value);
}

interface GpuAdapterLike {
  /** Older browsers; newer ones (Chromium 13x) report it in `info` only. */
  isFallbackAdapter?: boolean;
  info?: { vendor?: string; architecture?: string; description?: string; isFallbackAdapter?: boolean };
}
interface GpuLike {
  requestAdapter(): Promise<GpuAdapterLike | null>;
}

/** Why WebGPU cannot be used here, or the adapter's details. */
async function probeWebgpu(): Promise<{ reason: string } | { fallback: boolean; description: string }> {
  const gpu = (globalThis.navigator as { gpu?: GpuLike } | undefined)?.gpu;
  if (!gpu) return { reason: 'navigator.gpu is missing (this browser or context has no WebGPU)' };
  try {
    const adapter = await gpu.requestAdapter();
    if (!adapter) return { reason: 'no WebGPU adapter was found' };
    const info = adapter.info ?? {};
    return {
      fallback: Boolean(adapter.isFallbackAdapter ?? info.isFallbackAdapter),
      description: [info.vendor, info.architecture, info.description].filter(Boolean).join(' ') || 'unknown',
    };
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

/** Switches tfjs to `name`: null when it runs, else why not. */
async function activate(name: BackendName): Promise<string | null> {
  const blocked = precondition(name);
  if (blocked) return blocked;
  try {
    if (await tf.setBackend(name)) {
      await tf.ready();
      return null;
    }
    return `tfjs could not initialise ${name}`;
  } catch (err) {
    return `${name} failed to start: ${(err as Error).message}`;
  }
}

/**
 * Switches tfjs to the first backend of `order` that initialises, starting from `preferred` when
 * given, and says why each earlier one was skipped. Backends in `avoid` (e.g. one whose device was
 * lost) are skipped with that reason. Without `preferred` (automatic), a software WebGPU adapter
 * (SwiftShader: tens of times slower than wasm on the same CPU) is kept as the last resort; and
 * when wasm is chosen, the note on WebGL says why it came after.
 */
export async function chooseBackend(
  preferred?: BackendName,
  order = BACKEND_ORDER,
  avoid: readonly BackendFallback[] = [],
): Promise<BackendChoice> {
  const candidates = preferred ? [preferred, ...order.filter((b) => b !== preferred)] : [...order];
  const fallbacks: BackendFallback[] = [];
  let adapter: BackendChoice['adapter'];
  let softwareAdapter: string | undefined;
  for (const name of candidates) {
    const avoided = avoid.find((a) => a.backend === name);
    if (avoided) {
      fallbacks.push(avoided);
      continue;
    }
    if (name === 'webgpu') {
      const probe = await probeWebgpu();
      if ('reason' in probe) {
        fallbacks.push({ backend: name, reason: probe.reason });
        continue;
      }
      adapter = probe;
      if (!preferred && probe.fallback) {
        softwareAdapter = probe.description;
        fallbacks.push({
          backend: name,
          reason:
            `its only adapter is a software renderer (${probe.description}), many times slower than ` +
            'wasm on this CPU: ask for backend=webgpu to use it anyway',
        });
        continue;
      }
    }
    const problem = await activate(name);
    if (problem) {
      fallbacks.push({ backend: name, reason: problem });
      continue;
    }
    if (name === 'webgpu') return { backend: name, fallbacks, adapter };
    if (name === 'wasm' && !preferred && order.indexOf('webgl') > order.indexOf('wasm'))
      fallbacks.push({ backend: 'webgl', reason: WEBGL_SKIPPED });
    return { backend: name, fallbacks, ...(softwareAdapter ? { softwareAdapter } : {}) };
  }
  // Nothing else works: a software adapter is still better than no engine.
  if (softwareAdapter && !(await activate('webgpu'))) {
    return {
      backend: 'webgpu',
      fallbacks: fallbacks.filter((f) => f.backend !== 'webgpu'),
      adapter,
    };
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
