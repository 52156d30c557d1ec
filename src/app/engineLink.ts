import type { BackendReport, CommandOf, CommandType, EngineListener, ResultOf } from '../engine/protocol';

/**
 * The engine as the app sees it (the engine client fits it): typed requests that throw on an
 * error reply (with the reply's `kind` and `configErrors`), one event stream, and the backend the
 * engine started on.
 */
export interface EngineLink {
  request<K extends CommandType>(command: CommandOf<K>): Promise<ResultOf<K>>;
  /** Adds a listener of every engine event; returns the function that removes it. */
  subscribe(listener: EngineListener): () => void;
  readonly backend: BackendReport | null;
  terminate(): void;
}

/** Starts an engine (worker, tfjs, backend) and resolves when it accepts commands. */
export type EngineLinkFactory = (init: {
  backend: BackendReport['requested'];
  allowDebug: boolean;
}) => Promise<EngineLink>;
