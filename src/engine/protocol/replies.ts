/**
 * Protocol types: replies (a result or a typed error) and the API the worker exposes through
 * Comlink. Apart from the commands: these say how any command's answer travels, not what it is.
 */
import type { ConfigError } from '../../model/config';
import type { CommandOf, CommandType, ResultOf } from './commands';
import type { EngineListener } from './events';

// ---------------------------------------------------------------------------------------------
// Replies

/**
 * - `bad-command`: unknown type, missing or ill-typed arguments, values out of range.
 * - `invalid-config`: the config failed validation (`configErrors` lists each field's problem).
 * - `invalid-state`: not possible now (e.g. step before configure, debug without allowDebug).
 * - `corpus`: the text cannot be used (empty, binary, not UTF-8, too short for the context…).
 * - `format`: a file could not be read (safetensors, .npy, XLM layout, checkpoint metadata).
 * - `out-of-memory`: the config's estimated memory is over the cap, or an allocation failed.
 * - `cancelled`: stopped by `cancel` (or by a newer command of the same kind).
 * - `diverged`: a requested `step` hit a NaN/Inf loss (the step was not applied).
 * - `internal`: anything else (the message says what).
 */
export type CommandErrorKind =
  | 'bad-command'
  | 'invalid-config'
  | 'invalid-state'
  | 'corpus'
  | 'format'
  | 'out-of-memory'
  | 'cancelled'
  | 'diverged'
  | 'internal';

export interface CommandError {
  kind: CommandErrorKind;
  message: string;
  configErrors?: ConfigError[];
}

export type Reply<T> = { ok: true; value: T } | { ok: false; error: CommandError };

/** What the worker exposes through Comlink. */
export interface EngineWorkerApi {
  /** Replaces the event listener (pass `Comlink.proxy(fn)`). */
  subscribe(listener: EngineListener): void;
  request<K extends CommandType>(command: CommandOf<K>): Promise<Reply<ResultOf<K>>>;
  /** Answers at once, never waiting for the engine (the client's heartbeat). */
  ping(): number;
  /**
   * Files the worker would otherwise fetch (the wasm binaries), by the URL it would fetch them
   * from: a restarted worker then needs no network.
   */
  provideFiles(files: Record<string, ArrayBuffer>): void;
}
