import * as tf from '@tensorflow/tfjs';

/**
 * Collects the WebGPU device's uncaptured errors (validation errors of tfjs' own shaders, which
 * would otherwise only reach the console): a suite that produced any is flagged in the results.
 */
export interface GpuErrorWatch {
  readonly messages: string[];
  stop(): void;
}

interface DeviceLike {
  addEventListener(type: string, listener: (event: Event) => void): void;
  removeEventListener(type: string, listener: (event: Event) => void): void;
}

/** Null when the backend is not WebGPU. */
export function watchGpuErrors(): GpuErrorWatch | null {
  const device = (tf.backend() as { device?: Partial<DeviceLike> }).device;
  if (tf.getBackend() !== 'webgpu' || typeof device?.addEventListener !== 'function') return null;
  const target = device as DeviceLike;
  const messages: string[] = [];
  const onError = (event: Event) => {
    const error = (event as Event & { error?: { message?: string } }).error;
    messages.push((error?.message ?? String(event)).split('\n')[0]);
  };
  target.addEventListener('uncapturederror', onError);
  return { messages, stop: () => target.removeEventListener('uncapturederror', onError) };
}
