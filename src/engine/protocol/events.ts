/**
 * Protocol types: the events the worker sends unasked (state, backend, warm-up, snapshots, faults,
 * recovery checkpoints, generated text), and the faults they report.
 */
import type { BackendName } from '../backend';
import type { CheckpointFile } from './model';
import type { Snapshot } from './snapshot';
import type { BackendReport, EngineState } from './state';

// ---------------------------------------------------------------------------------------------
// Faults

/**
 * - `diverged`: a step's loss or gradient was NaN/Inf; it was not applied, training paused on
 *   the last good weights.
 * - `device-lost`: the WebGPU device was lost; the client restarts on the next backend.
 * - `worker-crashed`: the worker died (client side); the client restarts it.
 * - `out-of-memory`: a config too large for the cap, or an allocation failed.
 * - `backend-failed`: no backend (or the forced one) could start.
 * - `internal`: any other error in the training loop; training paused.
 */
export type FaultKind =
  | 'diverged'
  | 'device-lost'
  | 'worker-crashed'
  | 'out-of-memory'
  | 'backend-failed'
  | 'internal';

export interface EngineFault {
  kind: FaultKind;
  /** One sentence for the user: what happened and what to do. */
  message: string;
  /** Steps applied when it happened (the weights are those of this step). */
  step: number;
  backend: BackendName | null;
  /**
   * - `paused`: the worker is fine and paused on its last good weights.
   * - `restarting`: the client is starting a new worker (last recovery checkpoint; another backend
   *   only when this one lost its device).
   * - `restarted`: recovery finished; `restoredStep` says which step's weights were restored.
   * - `none`: nothing could be done (e.g. no backend left, restarts kept failing); any command,
   *   or the client's `restart()`, tries again.
   */
  recovery: 'paused' | 'restarting' | 'restarted' | 'none';
  restoredStep?: number;
}

// ---------------------------------------------------------------------------------------------
// Events (worker → UI, through the one listener)

export type WarmupPhase = 'build' | 'compile' | 'steps' | 'done';

export type EngineEvent =
  | { type: 'state'; state: EngineState; reason?: string }
  | { type: 'backend'; backend: BackendReport }
  /** `fraction` of the whole warm-up, 0 to 1. */
  | { type: 'warmup'; phase: WarmupPhase; fraction: number; message: string }
  | { type: 'snapshot'; snapshot: Snapshot }
  | { type: 'fault'; fault: EngineFault }
  /** A recovery copy of the model (the client keeps the latest one; the UI may ignore it). */
  | { type: 'checkpoint'; checkpoint: CheckpointFile }
  /** Text as `generate` produces it; `id` is the request's id. */
  | { type: 'generated'; id: number; text: string; done: boolean };

export type EngineListener = (event: EngineEvent) => void;
