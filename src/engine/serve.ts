/**
 * Serves an EngineSession over a Comlink endpoint: the Worker's global scope in the browser, a
 * MessagePort in tests. Events go to the one subscribed listener, with their typed arrays
 * transferred.
 */
import * as Comlink from 'comlink';
import type { CommandOf, CommandType, EngineListener, EngineWorkerApi, Reply, ResultOf } from './protocol';
import { EngineSession, type SessionHost } from './session';

export interface WorkerHooks {
  /** Ends the worker with an error event (debug 'crash'). */
  crash?: SessionHost['crash'];
  /** Ends the worker silently (debug 'exit'). */
  exit?: SessionHost['exit'];
  /** Keeps files the main thread hands over (the wasm binaries) for tfjs to load from memory. */
  provideFiles?: (files: Record<string, ArrayBuffer>) => void;
}

export function serveEngine(endpoint: Comlink.Endpoint, hooks: WorkerHooks = {}): EngineSession {
  let listener: EngineListener | null = null;
  let pings = 0;
  const session = new EngineSession({
    emit(event, transfer) {
      listener?.(transfer.length > 0 ? Comlink.transfer(event, transfer) : event);
    },
    crash: hooks.crash,
    exit: hooks.exit,
  });
  const api: EngineWorkerApi = {
    subscribe(next: EngineListener) {
      listener = next;
    },
    async request<K extends CommandType>(command: CommandOf<K>): Promise<Reply<ResultOf<K>>> {
      const { reply, transfer } = await session.handle(command);
      const typed = reply as Reply<ResultOf<K>>;
      return transfer.length > 0 ? Comlink.transfer(typed, transfer) : typed;
    },
    ping() {
      return ++pings;
    },
    provideFiles(files) {
      hooks.provideFiles?.(files);
    },
  };
  Comlink.expose(api, endpoint);
  return session;
}
