/**
 * The one protocol between the UI (main thread) and the engine (a dedicated module Worker that
 * owns tfjs and the model). Types only: the worker implements it (session.ts, worker.ts), the
 * main thread calls it through client.ts. This file is the protocol's one entry point; the types
 * live in protocol/, one file per concern (state, model, evaluation, reads, snapshot, events,
 * commands, replies).
 *
 * Shape of the conversation:
 * - Requests: `request(command)` with a command of the `EngineCommand` union (discriminated by
 *   `type`). Every request gets exactly one `Reply`: `{ ok: true, value }` with the command's
 *   result type (see `EngineCommands`), or `{ ok: false, error }` with a `CommandError`. A bad
 *   command (unknown type, missing or ill-typed arguments, wrong state) is an error reply, never
 *   a dead worker. The client turns error replies into thrown `EngineCommandError`s.
 * - Events: one listener (a `Comlink.proxy` callback given to `subscribe`) receives every
 *   `EngineEvent`: state changes, backend reports, warm-up progress, snapshots, faults, recovery
 *   checkpoints, generated text.
 *
 * Conventions: steps are 1-based and count optimiser updates applied so far (0 = untrained).
 * Times are milliseconds. Large arrays are typed arrays and travel as transferables (the sender
 * gives them up). Positions in a text are byte offsets in its UTF-8 encoding (tokens are bytes).
 */
export type { BackendName } from './backend';
export type * from './protocol/commands';
export type * from './protocol/evaluation';
export type * from './protocol/events';
export type * from './protocol/model';
export type * from './protocol/reads';
export type * from './protocol/replies';
export type * from './protocol/snapshot';
export type * from './protocol/state';

/** Bump when a change is not backwards compatible (additions are not). */
export const PROTOCOL_VERSION = 1;
