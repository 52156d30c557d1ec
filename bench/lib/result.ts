import type { StepWork } from './stepCounters';
/**
 * The shape of one benchmark run, as printed by `--json` and written to bench/results/.
 * Times are milliseconds (medians), spreads are [25th, 75th] percentiles, ratios are medians of
 * ratios taken repetition by repetition. Keys a run cannot fill are left out.
 */

export interface MachineInfo {
  /** CPU model and logical cores of the machine that ran the benchmark. */
  cpu: string;
  cores: number;
  memory_gb?: number;
  platform: string;
  /** e.g. "node v20.20.2" or the browser's user agent. */
  runtime: string;
  tfjs: string;
  /** WebGPU adapter, when the backend is webgpu. */
  gpu?: GpuInfo;
}

export interface GpuInfo {
  /** A readable name: the description, or vendor, architecture and device when it is empty. */
  name: string;
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** A software (fallback) adapter such as SwiftShader: its times are not representative. */
  fallback: boolean;
}

export type Spread = [number, number];

export interface LookupRow {
  n_keys: number;
  slots: number;
  /** Queries per lookup. */
  batch: number;
  /**
   * Pure selection (select.ts' reference productSelect / flatSelect on the module's keys): query →
   * slot ids.
   */
  product_ms: number;
  product_spread: Spread;
  flat_ms?: number;
  flat_spread?: Spread;
  /** flat_ms / product_ms, paired by repetition. */
  speedup?: number;
  speedup_spread?: Spread;
  /**
   * The module's whole read, forward(x, 'eval'): query network + selection + softmax + value
   * gather, in kernel mode 'reference'.
   */
  read_product_ms?: number;
  read_flat_ms?: number;
  read_speedup?: number;
  /** The fused selection op (src/model/ops/productSelect.ts), when the backend has its kernels. */
  fused_ms?: number;
  fused_spread?: Spread;
  /** product_ms / fused_ms (reference over fused), paired by repetition. */
  fused_over_reference?: number;
  fused_over_reference_spread?: Spread;
  /** flat_ms / fused_ms, paired by repetition. */
  fused_speedup?: number;
  fused_speedup_spread?: Spread;
  /** The whole read in kernel mode 'fused' (read_product_ms is mode 'reference'). */
  read_fused_ms?: number;
  read_fused_speedup?: number;
  /** Why flat keys were not measured at this size. */
  flat_skipped?: string;
}

export interface ScalingRow {
  n_keys: number;
  slots: number;
  /** One training step of the memory layer with the module's sparse value updates. */
  sparse_step_ms?: number;
  sparse_spread?: Spread;
  /** The part of the sparse step spent in the value update (applyValueGradients). */
  sparse_update_ms?: number;
  /** The same step with a dense-gradient gather and dense Adam on the whole value table. */
  dense_step_ms?: number;
  dense_spread?: Spread;
  /** dense / sparse, paired by repetition. */
  dense_over_sparse?: number;
  /** This size's sparse step / the sparse step at 4,096 slots (2^12), paired by repetition. */
  sparse_over_4096?: number;
  /** Bytes the memory layer's state holds (values, Adam moments, keys, query net, value-grad probe). */
  sparse_state_bytes?: number;
  sparse_bytes_per_slot?: number;
  /** Peak tf.memory().numBytes during one training step with only this memory alive. */
  sparse_peak_bytes?: number;
  dense_state_bytes?: number;
  dense_bytes_per_slot?: number;
  dense_peak_bytes?: number;
  /** Full model step (createModel + createTrainer) with the memory at this size. */
  model_step_ms?: number;
  model_spread?: Spread;
  /** This size's model step / the model step at 4,096 slots, paired by repetition. */
  model_over_4096?: number;
  /** The model step / the FFN model's step, paired by repetition. */
  model_over_ffn?: number;
  /** The full model step with the dense-gradient value path (DenseValueMemory in createModel). */
  model_dense_step_ms?: number;
}

export interface VsFfn {
  pkm_step_ms: number;
  ffn_step_ms: number;
  /** pkm / ffn step time, paired by repetition. */
  ratio: number;
  ratio_spread: Spread;
  /** Parameters of the layer that differs (memory vs FFN), and of the whole models. */
  pkm_params: number;
  ffn_params: number;
  pkm_model_params: number;
  ffn_model_params: number;
  pkm_tokens_per_s: number;
  ffn_tokens_per_s: number;
  n_keys: number;
}

/** The work of one training step in one kernel mode (counts from one steady-state step). */
export interface ModeWork extends Omit<StepWork, 'by_kernel'> {
  step_ms: number;
  step_spread: Spread;
  /** The most frequent kernels, [name, count]. */
  top_kernels: [string, number][];
}

export interface StepWorkRow {
  /** 'model': the default model's training step; 'memory': the memory layer's step alone. */
  unit: 'model' | 'memory' | 'paper';
  n_keys: number;
  slots: number;
  v_dim: number;
  heads: number;
  knn: number;
  fused: ModeWork;
  reference: ModeWork;
  /** reference ms / fused ms, paired by repetition. */
  speedup: number;
  speedup_spread: Spread;
  /** Fused mode: training steps per second and tokens per second (batch × context per step). */
  steps_per_s: number;
  tokens_per_s: number;
}

export interface UiResult {
  /** requestAnimationFrame rate on the main thread while training runs in a worker. */
  fps: number;
  /** The 5th-percentile frame rate over 1-second windows, and the longest frame (ms). */
  fps_low: number;
  longest_frame_ms: number;
  /** What trained during the fps measurement (the bench's own worker until the app engine exists). */
  fps_training: string;
  /** Training steps the worker completed during the fps measurement. */
  fps_training_steps: number;
  /** The same while a live 512×512 UsageHeatmap gets new counts every 250 ms on the main thread. */
  fps_with_heatmap: number;
  fps_with_heatmap_low: number;
  /** Redraw of a 512×512 heat map: paintHeatmap + putImageData + drawImage, raster flushed. */
  heatmap_ms: number;
  heatmap_spread: Spread;
  /** paintHeatmap alone (values → pixels). */
  heatmap_paint_ms: number;
  /** The UsageHeatmap component's update path (new counts → React commit → canvas drawn). */
  heatmap_component_ms: number;
}

export interface TargetCheck {
  id: string;
  description: string;
  /** The measured value compared with the threshold, null when this run could not measure it. */
  value: number | null;
  threshold: number;
  comparison: '>=' | '<=';
  pass: boolean | null;
  note?: string;
}

export interface BenchResult {
  machine: MachineInfo;
  backend: string;
  /** The machine's 1-, 5- and 15-minute load averages when the run started and ended (other jobs). */
  load: { start: number[]; end: number[] };
  /** Where it ran: node or the browser (headless Chromium). */
  runner: 'node' | 'chromium';
  quick: boolean;
  date: string;
  duration_s: number;
  lookup?: LookupRow[];
  scaling?: ScalingRow[];
  vs_ffn?: VsFfn;
  stepwork?: StepWorkRow[];
  ui?: UiResult;
  targets: TargetCheck[];
  /** Settings of each suite, so a figure can be reproduced. */
  settings: Record<string, unknown>;
  notes: string[];
}
