/**
 * Which implementation the model's hot ops use: `fused` runs the kernels registered per backend
 * in `src/model/ops/<backend>/` where one exists for the active backend, `reference` always runs
 * the plain tfjs-op path beside them. The reference is what the fused kernels are tested against,
 * and the benchmarks run both in one process, so the switch is a process-wide setting read at
 * call time (not at build time): flipping it between two steps takes effect on the next one.
 */
export type KernelMode = 'fused' | 'reference';

export const KERNEL_MODES: readonly KernelMode[] = ['fused', 'reference'];

/** The ops that have fused kernels. */
export type FusedOp =
  | 'productSelect'
  | 'denseAdam'
  | 'layerNorm'
  | 'gelu'
  | 'gradNorm'
  | 'valueGrouping'
  | 'valueRead'
  | 'identity'
  | 'attention'
  | 'biasGrad'
  | 'crossEntropy'
  | 'swapLast'
  | 'batchNorm';

let mode: KernelMode = 'fused';
/** Ops kept on their reference while the mode is 'fused': one fused op checked on its own. */
let referenceOps: ReadonlySet<FusedOp> = new Set();

/** The mode `op` runs in now (without `op`: the process-wide mode). */
export function kernelMode(op?: FusedOp): KernelMode {
  return op && referenceOps.has(op) ? 'reference' : mode;
}

export function setKernelMode(next: KernelMode, options: { referenceOps?: readonly FusedOp[] } = {}): void {
  if (!KERNEL_MODES.includes(next)) throw new Error(`kernel mode must be one of ${KERNEL_MODES.join(', ')}`);
  mode = next;
  referenceOps = new Set(options.referenceOps ?? []);
}

/** Runs `fn` in `next` mode (with `referenceOps` kept on their reference), then restores the previous. */
export async function withKernelMode<T>(
  next: KernelMode,
  fn: () => T | Promise<T>,
  options: { referenceOps?: readonly FusedOp[] } = {},
): Promise<T> {
  const previous = { mode, referenceOps };
  setKernelMode(next, options);
  try {
    return await fn();
  } finally {
    mode = previous.mode;
    referenceOps = previous.referenceOps;
  }
}
