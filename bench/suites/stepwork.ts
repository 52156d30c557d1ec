import type * as tf from '@tensorflow/tfjs';
import { DEFAULT_CONFIG, type ModelConfig, valueDim } from '../../src/model/config';
import { type KernelMode, withKernelMode } from '../../src/model/ops/kernelMode';
import { createTrainer } from '../../src/model/training/trainer';
import { createModel } from '../../src/model/transformer';
import { timeInterleaved } from '../lib/interleave';
import type { StepWorkPlan } from '../lib/plan';
import type { ModeWork, StepWorkRow } from '../lib/result';
import { pairedRatio, round, summarize } from '../lib/stats';
import { countStepWork, type StepWork } from '../lib/stepCounters';
import { fixedBatch } from './model';
import { createSparseUnit } from './stepUnits';

/**
 * Step work: what one training step asks of the backend (kernels, read-backs, whether a read
 * stalls the step) and how long it takes, with the fused kernels and with the reference ops, in
 * one process. Both modes drive the same model or memory (the modes compute the same function), so
 * their repetitions interleave on one set of weights and one copy of a large table is alive.
 */

type Log = (message: string) => void;

/** The memory of the paper (Lample et al. 2019): n_keys 1024 (2^20 slots), v_dim 128, k 32, 4 heads. */
export const PAPER_CONFIG: Readonly<ModelConfig> = Object.freeze({
  ...DEFAULT_CONFIG,
  d_model: 128,
  n_keys: 1024,
  knn: 32,
  heads: 4,
  k_dim: 128,
});

const MODES: readonly KernelMode[] = ['fused', 'reference'];

interface WorkUnit {
  unit: StepWorkRow['unit'];
  config: ModelConfig;
  /** The part of a step that is counted: the trainer's or the memory unit's own step. */
  step(): Promise<unknown>;
  /** Waits for the device work the step left queued (a read-back after it), outside the counts. */
  finish(): Promise<unknown>;
  dispose(): void;
}

function modelUnit(config: ModelConfig): WorkUnit {
  const model = createModel(config);
  const trainer = createTrainer(model);
  const batch = fixedBatch(config);
  // The smallest dense variable: reading it waits for the step's last update (as the model suite).
  const fence: tf.Variable = model.denseVariables().reduce((a, b) => (b.size < a.size ? b : a));
  return {
    unit: 'model',
    config,
    step: () => trainer.step(batch),
    finish: () => fence.data(),
    dispose() {
      trainer.dispose();
      model.dispose();
    },
  };
}

/** The memory layer alone (bench/suites/stepUnits.ts): its step ends with the loss read back. */
function memoryUnit(unit: 'memory' | 'paper', config: ModelConfig, nKeys: number): WorkUnit {
  const sparse = createSparseUnit(config, nKeys);
  return {
    unit,
    config: { ...config, n_keys: nKeys },
    step: () => sparse.step(),
    finish: async () => undefined,
    dispose: () => sparse.dispose(),
  };
}

function modeWork(samples: number[], work: StepWork): ModeWork {
  const s = summarize(samples);
  return {
    step_ms: round(s.median),
    step_spread: [round(s.p25), round(s.p75)],
    kernels: work.kernels,
    compute_kernels: work.compute_kernels,
    view_kernels: work.view_kernels,
    ...(work.gpu_programs !== undefined ? { gpu_programs: work.gpu_programs } : {}),
    ...(work.gpu_dispatches !== undefined ? { gpu_dispatches: work.gpu_dispatches } : {}),
    reads: work.reads,
    blocking_reads: work.blocking_reads,
    read_bytes: work.read_bytes,
    kernel_reads: work.kernel_reads,
    kernel_read_bytes: work.kernel_read_bytes,
    top_kernels: Object.entries(work.by_kernel).slice(0, 8),
  };
}

/** Warms a unit up in both modes, counts one steady-state step per mode, then times them interleaved. */
async function measure(u: WorkUnit, plan: StepWorkPlan, log: Log): Promise<StepWorkRow> {
  const name = `${u.unit} at ${u.config.n_keys ** 2} slots`;
  for (let w = 0; w < plan.warmup; w++) {
    for (const mode of MODES) {
      await withKernelMode(mode, u.step);
      await u.finish();
    }
  }
  const work = {} as Record<KernelMode, StepWork>;
  for (const mode of MODES) {
    // One uncounted step in the same mode first: the step after a switch does one-off work (the
    // fused Adam copies each variable once after the reference's assigns), not steady state.
    await withKernelMode(mode, u.step);
    await u.finish();
    work[mode] = (await withKernelMode(mode, () => countStepWork(u.step))).work;
    await u.finish();
  }
  log(
    `stepwork: ${name}: ${work.fused.compute_kernels} / ${work.reference.compute_kernels} compute kernels, ${work.fused.blocking_reads} / ${work.reference.blocking_reads} blocking reads (fused / reference)`,
  );
  const samples = await timeInterleaved(
    MODES.map((mode) => ({
      name: mode,
      run: () =>
        withKernelMode(mode, async () => {
          await u.step();
          await u.finish();
        }),
    })),
    { warmup: 0, reps: plan.reps, onRep: (r) => log(`  ${name}: repetition ${r}/${plan.reps}`) },
  );
  const speedup = pairedRatio(samples.reference, samples.fused);
  const fused = modeWork(samples.fused, work.fused);
  const tokens = u.config.batch * u.config.context;
  return {
    unit: u.unit,
    n_keys: u.config.n_keys,
    slots: u.config.n_keys ** 2,
    v_dim: valueDim(u.config),
    heads: u.config.heads,
    knn: u.config.knn,
    fused,
    reference: modeWork(samples.reference, work.reference),
    speedup: round(speedup.median),
    speedup_spread: [round(speedup.p25), round(speedup.p75)],
    steps_per_s: round(1000 / fused.step_ms),
    tokens_per_s: round((tokens * 1000) / fused.step_ms),
  };
}

/** The default model, then the memory layer at each size, then (bundle) the paper-scale memory. */
export async function benchStepWork(plan: StepWorkPlan, log: Log): Promise<StepWorkRow[]> {
  const makers: (() => WorkUnit)[] = [];
  if (plan.model) makers.push(() => modelUnit({ ...DEFAULT_CONFIG }));
  for (const n of plan.memoryNKeys) makers.push(() => memoryUnit('memory', { ...DEFAULT_CONFIG }, n));
  if (plan.paper) makers.push(() => memoryUnit('paper', { ...PAPER_CONFIG }, PAPER_CONFIG.n_keys));
  const rows: StepWorkRow[] = [];
  // One unit alive at a time: the largest tables are hundreds of MB each.
  for (const make of makers) {
    const unit = make();
    try {
      rows.push(await measure(unit, plan, log));
    } finally {
      unit.dispose();
    }
  }
  return rows;
}
