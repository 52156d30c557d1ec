import type { StepWorkRow, TargetCheck } from './result';
import { check } from './targets';

/**
 * The step-work targets (issue 12): a default-model step within 600 compute kernels, no read-back
 * that stalls a step, and the fused kernels' speedup over the reference ops. The speedup wanted
 * depends on the backend (a GPU gains more from fewer dispatches than wasm from fewer calls); the
 * cpu backend has no fused kernels and no speedup target.
 */

const MODEL_SPEEDUP: Record<string, number> = { wasm: 1.6, webgpu: 3 };
const MEMORY_SPEEDUP: Record<string, number> = { wasm: 2, webgpu: 2 };

export function stepWorkTargets(
  rows: readonly StepWorkRow[] | undefined,
  backend: string | undefined,
): TargetCheck[] {
  const model = rows?.find((r) => r.unit === 'model');
  const memories = rows?.filter((r) => r.unit === 'memory') ?? [];
  const largest = memories.at(-1);
  const blocking = rows?.length ? Math.max(...rows.map((r) => r.fused.blocking_reads)) : null;
  const noModel =
    'the default model step was not measured in this run (--only stepwork, not a quick software-GPU run)';
  const speedupCheck = (
    id: string,
    what: string,
    row: StepWorkRow | undefined,
    thresholds: Record<string, number>,
    missing: string,
  ): TargetCheck => {
    const threshold = backend === undefined ? undefined : thresholds[backend];
    if (threshold === undefined) {
      return check(
        id,
        what,
        null,
        '>=',
        Math.min(...Object.values(thresholds)),
        `no target on the ${backend ?? 'unknown'} backend`,
      );
    }
    return check(id, `${what} (${backend})`, row?.speedup, '>=', threshold, missing);
  };
  return [
    check(
      'stepwork_model_kernels',
      'compute kernels per default-model training step (fused; on WebGPU the GPU dispatches where more)',
      model ? Math.max(model.fused.compute_kernels, model.fused.gpu_dispatches ?? 0) : undefined,
      '<=',
      600,
      noModel,
    ),
    check(
      'stepwork_blocking_reads',
      'read-backs a steady-state step waits on (fused, most over the units measured)',
      blocking,
      '<=',
      0,
      'the step-work suite was not run',
    ),
    speedupCheck(
      'stepwork_model_speedup',
      'default-model step, reference ms ÷ fused ms',
      model,
      MODEL_SPEEDUP,
      noModel,
    ),
    speedupCheck(
      'stepwork_memory_speedup',
      `memory-layer step alone at ${largest ? largest.slots.toLocaleString('en-US') : 'its largest'} slots, reference ÷ fused`,
      largest,
      MEMORY_SPEEDUP,
      'the memory layer was not measured in this run',
    ),
  ];
}
