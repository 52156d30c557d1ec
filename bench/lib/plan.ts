import { DEFAULT_CONFIG, type ModelConfig } from '../../src/model/config';

/**
 * What one run measures: sizes and repetitions per suite. The sizes follow the issue (lookup at
 * n_keys 64…512 with 1,024 queries, k_dim 128, k 32; steps at 2^10…2^18 slots); the repetitions
 * and, on a software GPU, the sizes are cut so a run ends in reasonable time.
 */

/** How fast the device is, which decides how much a run can afford. */
export type DeviceClass = 'cpu' | 'wasm' | 'gpu' | 'software-gpu';

export interface LookupPlan {
  nKeys: number[];
  /** Queries per lookup (the 1,024; fewer only on a software GPU, and the rows say so). */
  batch: number;
  kDim: number;
  knn: number;
  warmup: number;
  reps: number;
  /** Also time the module's whole read (forward in 'eval'), not only the selection. */
  read: boolean;
}

export interface StepPlan {
  /** Memory sizes of the sparse path, as n_keys (slots = n_keys²). */
  nKeys: number[];
  /** Largest n_keys the dense-gradient baseline is run at (0: never). */
  denseMaxNKeys: number;
  /** The model config the memory layer is taken from (n_keys replaced per size). */
  config: ModelConfig;
  warmup: number;
  reps: number;
  /** Measure bytes per slot and peak tf.memory() per size (separate, untimed steps). */
  footprint: boolean;
}

export interface ModelPlan {
  /** Sizes of the full-model step (n_keys). */
  nKeys: number[];
  /** Largest n_keys of the dense-gradient model (0: never). */
  denseMaxNKeys: number;
  config: ModelConfig;
  warmup: number;
  reps: number;
}

/** The step-work suite: kernels, read-backs and time per step, fused against reference kernels. */
export interface StepWorkPlan {
  /** The default model (src/model/config.ts) is always measured; also run without --quick on a software GPU. */
  model: boolean;
  /** Sizes of the memory layer measured alone (n_keys; slots = n_keys²). */
  memoryNKeys: number[];
  /** Also the paper-scale memory layer (1,048,576 slots, v_dim 128, k 32, 4 heads): the GPU bundle. */
  paper: boolean;
  warmup: number;
  reps: number;
}

export interface UiPlan {
  heatmapNKeys: number;
  heatmapReps: number;
  fpsSeconds: number;
}

export interface Plan {
  device: DeviceClass;
  quick: boolean;
  lookup: LookupPlan;
  steps: StepPlan;
  model: ModelPlan;
  stepwork: StepWorkPlan;
  ui: UiPlan;
}

/** The memory layer of the app's default model: d_model 64 = v_dim, 2 heads, k_dim 32, knn 8, batch 16 × 32. */
export const STEP_CONFIG: Readonly<ModelConfig> = Object.freeze({ ...DEFAULT_CONFIG });

/** n_keys whose n_keys² is 2^e for the even exponents e in [lo, hi]. */
export function sizesByExponent(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let e = lo; e <= hi; e += 2) out.push(2 ** (e / 2));
  return out;
}

export function makePlan(device: DeviceClass, quick: boolean): Plan {
  const lookup: LookupPlan = {
    nKeys: [64, 128, 256, 512],
    batch: 1024,
    kDim: 128,
    knn: 32,
    warmup: 2,
    reps: 7,
    read: true,
  };
  const steps: StepPlan = {
    nKeys: sizesByExponent(10, 18),
    denseMaxNKeys: 512,
    config: { ...STEP_CONFIG },
    warmup: 3,
    reps: 20,
    footprint: true,
  };
  const model: ModelPlan = {
    nKeys: sizesByExponent(12, 18),
    denseMaxNKeys: 512,
    config: { ...STEP_CONFIG },
    warmup: 3,
    reps: 10,
  };
  const stepwork: StepWorkPlan = {
    model: true,
    memoryNKeys: sizesByExponent(12, 20),
    paper: false,
    warmup: 3,
    reps: 10,
  };
  const ui: UiPlan = { heatmapNKeys: 512, heatmapReps: 60, fpsSeconds: 10 };
  if (quick) {
    // The two ends of the range: the size of the scaling suite's reference and the largest.
    Object.assign(stepwork, { memoryNKeys: [64, 1024], warmup: 2, reps: 5 });
    Object.assign(lookup, { warmup: 1, reps: 3 });
    Object.assign(steps, { warmup: 2, reps: 7 });
    Object.assign(model, { nKeys: [64, 512], warmup: 2, reps: 5 });
    Object.assign(ui, { heatmapReps: 30, fpsSeconds: 5 });
  }
  if (device === 'cpu') {
    // The pure-JS backend scores the 65,536 flat keys in ~25 s and takes ~8 s for a dense step at
    // 2^18 slots: few repetitions; the quick run keeps the target sizes only.
    Object.assign(lookup, {
      nKeys: quick ? [64, 128] : [64, 128, 256],
      warmup: 1,
      reps: quick ? 2 : 3,
      read: !quick,
    });
    Object.assign(steps, {
      nKeys: quick ? [64, 512] : sizesByExponent(10, 18),
      reps: quick ? 3 : 7,
      warmup: 1,
      footprint: !quick,
    });
    // A model step takes ~6.5 s here: no model in the quick run.
    Object.assign(model, { nKeys: quick ? [] : [64, 512], warmup: 1, reps: 3 });
    Object.assign(stepwork, { memoryNKeys: quick ? [64] : [64, 256], model: !quick, warmup: 1, reps: 3 });
  }
  if (device === 'software-gpu') {
    // SwiftShader: a product lookup of 1,024 queries takes ~3 s and a flat one ~20 s at 4,096 slots,
    // a memory step 2–6 s. Its figures only show that the path works; real speed needs a real GPU.
    Object.assign(lookup, { nKeys: quick ? [64] : [64, 128], batch: 256, warmup: 1, reps: quick ? 2 : 3 });
    Object.assign(steps, {
      nKeys: quick ? [64, 512] : sizesByExponent(10, 18),
      denseMaxNKeys: quick ? 64 : 256,
      warmup: 1,
      reps: quick ? 2 : 3,
      footprint: !quick,
    });
    // A model step takes ~20 s on SwiftShader: no model in the quick run, no dense-gradient model.
    Object.assign(model, { nKeys: quick ? [] : [64, 512], denseMaxNKeys: 0, warmup: 1, reps: 2 });
    Object.assign(ui, { heatmapReps: quick ? 20 : 60 });
    // A default-model step takes ~20 s here and a memory step at 2^20 slots copies a 256 MB table:
    // the quick run keeps the memory layer at 2^12 (its counts do not depend on the device's speed).
    Object.assign(stepwork, {
      memoryNKeys: quick ? [64] : [64, 256, 1024],
      model: !quick,
      warmup: 1,
      reps: quick ? 2 : 3,
    });
  }
  return { device, quick, lookup, steps, model, stepwork, ui };
}
