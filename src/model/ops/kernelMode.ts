/**
 * Which implementation the model's hot ops use: `fused` runs the kernels registered per backend
 * in `src/model/ops/<backend>/` where one exists for the active backend, `reference` always runs
 * the plain tfjs-op path beside them. The reference is what the fused kernels are tested against,
 * and the benchmarks run both in one process, so the switch is a process-wide setting read at
 * call time (not at build time): flipping it between two steps takes effect on the next one.
 */
export type KernelMode = 'fused' | 'reference';

export const KERNEL_MODES: readonly KernelMode[] = ['fused', 'reference'];

let mode: KernelMode = 'fused';

export function kernelMode(): KernelMode {
  return mode;
}

export function setKernelMode(next: KernelMode): void {
  if (!KERNEL_MODES.includes(next)) throw new Error(`kernel mode must be one of ${KERNEL_MODES.join(', ')}`);
  mode = next;
}

/** Runs `fn` with `next` as the kernel mode, then restores the previous one (tests, benchmarks). */
export async function withKernelMode<T>(next: KernelMode, fn: () => T | Promise<T>): Promise<T> {
  const previous = mode;
  setKernelMode(next);
  try {
    return await fn();
  } finally {
    mode = previous;
  }
}
