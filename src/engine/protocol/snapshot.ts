/**
 * Protocol types: the snapshot the UI draws while training, with its usage maps and tfjs memory.
 */
import type { BackendName } from '../backend';
import type { EvalReport, RecallPoint } from './evaluation';
import type { TokenTrace } from './reads';
import type { EngineState } from './state';

// ---------------------------------------------------------------------------------------------
// Snapshots

/** Per-slot usage of one memory layer, [heads][n_keys²] and the sum over heads. */
export interface UsageMap {
  perHead: Float32Array[];
  total: Float32Array;
  /** Largest entry of total. */
  max: number;
}

export interface LayerUsage {
  layer: number;
  heads: number;
  /** n_keys²; maps are row-major on the n_keys × n_keys grid (slot = row·n_keys + col). */
  slots: number;
  /** How often each slot was selected. */
  counts: UsageMap;
  /** Sum of the softmax weights each slot received. */
  weights: UsageMap;
  /** Training tokens read since the counts were reset. */
  tokens: number;
  /** EngineOptions.usageHalfLife when these maps were made (0 = cumulative). */
  halfLife: number;
}

export interface TfMemoryInfo {
  numTensors: number;
  numBytes: number;
  numDataBuffers: number;
  /** The backend cannot account for all memory (as tf.memory() says). */
  unreliable: boolean;
}

/**
 * What the UI draws, sent at most `snapshotHz` times per second while training (and once after
 * every command that changes the model). Fields marked "or null" are null when nothing new
 * happened since the previous snapshot: keep the last one shown.
 */
export interface Snapshot {
  /** Increases by one per snapshot of this worker (restarts from 1 after a worker restart). */
  seq: number;
  state: EngineState;
  /** Steps applied so far. */
  step: number;
  /** Training losses of EVERY step since the previous snapshot: steps lossStart, lossStart + 1, … */
  lossStart: number;
  losses: Float32Array;
  /** Dense learning rate and gradient norm of the latest step (NaN before the first). */
  lr: number;
  gradNorm: number;
  /** The latest validation result (repeated until a newer one), or null before the first. */
  eval: EvalReport | null;
  /**
   * Fact-recall measurements since the previous snapshot (usually none), in step order; the whole
   * history of a loaded checkpoint is in the file, as its losses are.
   */
  recall: RecallPoint[];
  /** Steady state since the previous snapshot (warm-up excluded); 0 while not training. */
  tokensPerSec: number;
  stepsPerSec: number;
  /** Mean wall time of one step since the previous snapshot, 0 when none ran. */
  stepMs: number;
  /** The selected token's trace, or null (none selected, or not refreshed since the previous snapshot). */
  trace: TokenTrace | null;
  /** Live usage of each memory layer over training reads, or null (not refreshed since the previous snapshot). */
  usage: LayerUsage[] | null;
  tfMemory: TfMemoryInfo;
  backend: BackendName;
  /** ms since the worker started. */
  time: number;
}
