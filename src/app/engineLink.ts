import * as Comlink from 'comlink';
import type {
  BackendReport,
  CommandError,
  CommandOf,
  CommandType,
  EngineEvent,
  EngineListener,
  EngineWorkerApi,
  Reply,
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
  terminate(): void;
}

/** Starts an engine (worker, tfjs, backend) and resolves when it accepts commands. */
export type EngineLinkFactory = (init: {
  backend: BackendReport['requested'];
  allowDebug: boolean;
}) => Promise<EngineLink>;

/** An error reply of the engine, thrown with the reply's kind and field errors. */
export class EngineReplyError extends Error {
  constructor(
    readonly kind: CommandError['kind'],
    message: string,
    readonly configErrors?: CommandError['configErrors'],
  ) {
    super(message);
    this.name = 'EngineReplyError';
  }
}

/** The engine worker over Comlink, speaking the protocol directly (no restarts). */
export const createWorkerLink: EngineLinkFactory = async (init) => {
  const worker = new Worker(new URL('../engine/worker.ts', import.meta.url), {
    type: 'module',
    name: 'pkm-engine',
  });
  const api = Comlink.wrap<EngineWorkerApi>(worker);
  const listeners = new Set<EngineListener>();
  await api.subscribe(
    Comlink.proxy((e: EngineEvent) => {
      for (const l of listeners) l(e);
    }),
  );
  const request = async <K extends CommandType>(command: CommandOf<K>): Promise<ResultOf<K>> => {
    const reply = (await api.request(command as never)) as Reply<ResultOf<K>>;
    if (!reply.ok)
      throw new EngineReplyError(reply.error.kind, reply.error.message, reply.error.configErrors);
    return reply.value;
  };
  const { backend } = await request<'init'>({ type: 'init', ...init });
  return {
    request,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    backend,
    terminate: () => worker.terminate(),
  };
};
