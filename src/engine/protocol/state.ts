/**
 * Protocol types: what the engine is doing and how it is set (state, training pace, backend
 * report, engine options). Apart because every other part of the protocol refers to them.
 */
import type { BackendName } from '../backend';

// ---------------------------------------------------------------------------------------------
// States

/**
 * What the engine is doing.
 * - `starting`: the worker is loading tfjs and choosing a backend (before `init` replied).
 * - `unconfigured`: a backend is ready, no model yet (send `configure` or `loadCheckpoint`).
 * - `building`: a model is being built (estimating memory, allocating, loading weights).
 * - `warming`: shaders are compiled and the first steps run (see `WarmupEvent` for progress).
 * - `paused`: a model is ready and not training; every command works.
 * - `running`: training continuously, as fast as the backend allows.
 * - `slow`: training one step per `intervalMs` (teaching mode).
 * - `faulted`: training stopped by a fault (see the `fault` event); the model, if any, holds the
 *   weights of the last good step and every command works again (start resumes training).
 * - `restarting`: set by the client only: the worker crashed, went silent or lost its device and
 *   a new one is starting (on the same backend after a crash, another after a lost device) with
 *   the last recovery checkpoint.
 */
export type EngineState =
  | 'starting'
  | 'unconfigured'
  | 'building'
  | 'warming'
  | 'paused'
  | 'running'
  | 'slow'
  | 'faulted'
  | 'restarting';

/** How fast `start` trains: as fast as possible, or one step every `intervalMs` (50 to 60,000). */
export type TrainingPace = { kind: 'fast' } | { kind: 'slow'; intervalMs: number };

// ---------------------------------------------------------------------------------------------
// Backend

/** The backend in use and why faster ones were not. */
export interface BackendReport {
  backend: BackendName;
  /** What was asked for: config.backend, or 'auto' for the fastest that works. */
  requested: BackendName | 'auto';
  /** Backends passed over, in the order tried, each with why it was not used. */
  fallbacks: { backend: BackendName; reason: string }[];
  /** WebGPU only: adapter description; `fallback` is true for a software adapter (SwiftShader). */
  adapter?: { fallback: boolean; description: string };
  /** 'auto' passed over a software WebGPU adapter (slower than wasm): its description. */
  softwareAdapter?: string;
}

// ---------------------------------------------------------------------------------------------
// Settings of the engine itself (not of the model)

export interface EngineOptions {
  /** Most snapshots per second while training (1 to 60; default 15). Never one per step when steps are fast. */
  snapshotHz: number;
  /** Validation (loss, perplexity, memory metrics) every this many steps; 0 = only on request (default 100). */
  evalEvery: number;
  /** Fixed validation batches of [batch, context + 1] (1 to 64; default 8). */
  evalBatches: number;
  /** Most refreshes per second of the selected token's trace in snapshots (0.1 to 30; default 4). */
  traceHz: number;
  /** Most refreshes per second of the usage maps in snapshots (0.1 to 30; default 4). */
  usageHz: number;
  /** Half-life in steps of the live usage counts; 0 = plain cumulative counts (default 0). */
  usageHalfLife: number;
  /** A recovery checkpoint goes to the client at most this often while training, ms; 0 = never (default 3,000). */
  checkpointEveryMs: number;
  /** Largest estimated model memory (parameters + Adam moments + activations) accepted by configure, bytes (default 1.5 GiB). */
  memoryCapBytes: number;
  /**
   * Fact recall (held-out wording) every this many steps while training on the knowledge corpus;
   * 0 = only on `evaluate` (default 250). Ignored for the user's own text, which has no facts.
   */
  recallEvery: number;
}
