import { EngineClient, EngineCommandError } from '../engine/client';
import type {
  BackendReport,
  CommandError,
  CommandOf,
  CommandType,
  EngineListener,
  ResultOf,
} from '../engine/protocol';

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
  /** Starts a new engine worker from the last recovery checkpoint (after restarts gave up). */
  restart?(): Promise<void>;
  terminate(): void;
}

/** Starts an engine (worker, tfjs, backend) and resolves when it accepts commands. */
export type EngineLinkFactory = (init: {
  backend: BackendReport['requested'];
  allowDebug: boolean;
}) => Promise<EngineLink>;

/** An error reply of the engine, as a thrown error that keeps the reply's kind and field errors. */
export class EngineRequestError extends Error {
  readonly kind: CommandError['kind'];
  readonly configErrors: CommandError['configErrors'];
  constructor(
    readonly command: CommandType,
    error: CommandError,
  ) {
    super(error.message);
    this.name = 'EngineRequestError';
    this.kind = error.kind;
    this.configErrors = error.configErrors;
  }
}

/**
 * The engine client (worker, backend choice, restart on a crash or a lost device) as an
 * EngineLink; its error replies are thrown as EngineRequestError.
 */
export const startEngineClient: EngineLinkFactory = async (init) => {
  const client = await EngineClient.start(init);
  return {
    async request<K extends CommandType>(command: CommandOf<K>): Promise<ResultOf<K>> {
      try {
        return await client.request(command);
      } catch (err) {
        if (err instanceof EngineCommandError) {
          throw new EngineRequestError(command.type, {
            kind: err.kind,
            message: err.message,
            configErrors: err.configErrors,
          });
        }
        throw err;
      }
    },
    subscribe: (listener) => client.subscribe(listener),
    get backend() {
      return client.backend;
    },
    restart: () => client.restart(),
    terminate: () => client.terminate(),
  };
};
