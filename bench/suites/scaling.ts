import * as tf from '@tensorflow/tfjs';
import { timeInterleaved } from '../lib/interleave';
import type { StepPlan } from '../lib/plan';
import type { ScalingRow } from '../lib/result';
import { pairedRatio, round, summarize } from '../lib/stats';
import { createStepUnit, type StepKind, type StepUnit } from './stepUnits';

type Log = (message: string) => void;

/** The size every other size's sparse step is compared with (the 2^12 slots). */
export const REFERENCE_SLOTS = 4096;

interface Footprint {
  state_bytes: number;
  bytes_per_slot: number;
  peak_bytes: number;
}

/**
 * The state one unit holds after its first step (values, Adam moments, keys, query network, the
 * value-gradient probe, its fixed batch) and the peak tf.memory().numBytes during its next step,
 * with nothing else alive that the suite made.
 */
async function footprint(kind: StepKind, plan: StepPlan, nKeys: number): Promise<Footprint> {
  const before = tf.memory().numBytes;
  const tensorsBefore = tf.memory().numTensors;
  const unit = createStepUnit(kind, plan.config, nKeys);
  let result: Footprint;
  try {
    await unit.step();
    const state = tf.memory().numBytes - before;
    const profile = await tf.profile(() => unit.step());
    result = {
      state_bytes: state,
      bytes_per_slot: round(state / unit.slots, 4),
      peak_bytes: profile.peakBytes,
    };
  } finally {
    unit.dispose();
  }
  const leaked = tf.memory().numTensors - tensorsBefore;
  if (leaked !== 0) throw new Error(`scaling: a ${kind} step at n_keys ${nKeys} leaked ${leaked} tensors`);
  return result;
}

function kindsAt(plan: StepPlan, nKeys: number): StepKind[] {
  return nKeys <= plan.denseMaxNKeys ? ['sparse', 'dense'] : ['sparse'];
}

/**
 * Step time of the memory layer per memory size, sparse value updates against the dense-gradient
 * baseline. All units are alive at once and timed round-robin, so every size and path is
 * measured in the same stretch of the run and the ratios between sizes are paired.
 */
export async function benchScaling(plan: StepPlan, log: Log): Promise<ScalingRow[]> {
  const prints = new Map<string, Footprint>();
  if (plan.footprint) {
    for (const nKeys of plan.nKeys) {
      for (const kind of kindsAt(plan, nKeys)) {
        log(`footprint: ${kind} step at ${nKeys * nKeys} slots`);
        prints.set(`${kind}:${nKeys}`, await footprint(kind, plan, nKeys));
      }
    }
  }
  const units: StepUnit[] = [];
  try {
    for (const nKeys of plan.nKeys) {
      for (const kind of kindsAt(plan, nKeys)) units.push(createStepUnit(kind, plan.config, nKeys));
    }
    const name = (u: StepUnit) => `${u.kind}:${u.n_keys}`;
    log(`scaling: ${units.length} steps per repetition (${units.map(name).join(', ')})`);
    const updates = new Map<string, number[]>();
    const samples = await timeInterleaved(
      units.map((u) => ({
        name: name(u),
        run: async () => {
          await u.step();
          if (u.lastUpdateMs !== undefined)
            updates.set(name(u), [...(updates.get(name(u)) ?? []), u.lastUpdateMs]);
        },
      })),
      { warmup: plan.warmup, reps: plan.reps, onRep: (r) => log(`  repetition ${r}/${plan.reps}`) },
    );
    const reference = samples[`sparse:${Math.sqrt(REFERENCE_SLOTS)}`];
    return plan.nKeys.map((nKeys) => {
      const sparse = samples[`sparse:${nKeys}`];
      const dense = samples[`dense:${nKeys}`];
      const s = summarize(sparse);
      const row: ScalingRow = {
        n_keys: nKeys,
        slots: nKeys * nKeys,
        sparse_step_ms: round(s.median),
        sparse_spread: [round(s.p25), round(s.p75)],
      };
      // On WebGPU the update starts by reading the slot ids back, which waits for the whole
      // forward and backward pass: its time is not the update's own, so it is left out there.
      const update = updates.get(`sparse:${nKeys}`)?.slice(-plan.reps);
      if (update?.length && tf.getBackend() !== 'webgpu')
        row.sparse_update_ms = round(summarize(update).median);
      if (reference) row.sparse_over_4096 = round(pairedRatio(sparse, reference).median);
      if (dense) {
        const d = summarize(dense);
        Object.assign(row, {
          dense_step_ms: round(d.median),
          dense_spread: [round(d.p25), round(d.p75)],
          dense_over_sparse: round(pairedRatio(dense, sparse).median),
        });
      }
      for (const kind of ['sparse', 'dense'] as const) {
        const f = prints.get(`${kind}:${nKeys}`);
        if (!f) continue;
        Object.assign(row, {
          [`${kind}_state_bytes`]: f.state_bytes,
          [`${kind}_bytes_per_slot`]: f.bytes_per_slot,
          [`${kind}_peak_bytes`]: f.peak_bytes,
        });
      }
      return row;
    });
  } finally {
    for (const u of units) u.dispose();
  }
}
