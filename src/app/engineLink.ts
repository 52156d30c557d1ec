import * as Comlink from 'comlink';
import type {
  CommandError,
  CommandOf,
  CommandType,
  EngineListener,
  EngineWorkerApi,
  ResultOf,
} from '../engine/protocol';

/** The engine as the app sees it: typed requests that throw on an error reply, and one event stream. */
export interface EngineLink {
  request<K extends CommandType>(command: CommandOf<K>): Promise<ResultOf<K>>;
  /** Sets the one listener of engine events. */
  subscribe(listener: EngineListener): void;
  terminate(): void;
}

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

/** Starts the engine worker and talks to it through Comlink (the protocol's EngineWorkerApi). */
export function createWorkerLink(): EngineLink {
  const worker = new Worker(new URL('../engine/worker.ts', import.meta.url), {
    type: 'module',
    name: 'pkm-engine',
  });
  const api = Comlink.wrap<EngineWorkerApi>(worker);
  return {
    async request(command) {
      const reply = await api.request(command);
      if (!reply.ok) throw new EngineRequestError(command.type, reply.error);
      return reply.value as never;
    },
    subscribe(listener) {
      api.subscribe(Comlink.proxy(listener)).catch((err: Error) => {
        console.warn(`the engine's event stream could not be opened: ${err.message}`);
      });
    },
    terminate() {
      worker.terminate();
    },
  };
}
