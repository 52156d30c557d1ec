/**
 * Serves an EngineSession over a Comlink endpoint: the Worker's global scope in the browser, a
 * MessagePort in tests. Events go to the one subscribed listener, with their typed arrays
 * transferred.
 */
import * as Comlink from 'comlink';
import type { CommandOf, CommandType, EngineListener, EngineWorkerApi, Reply, ResultOf } from './protocol';
import { EngineSession } from './session';

export function serveEngine(endpoint: Comlink.Endpoint, crash?: () => void): EngineSession {
  let listener: EngineListener | null = null;
  const session = new EngineSession({
    emit(event, transfer) {
      listener?.(transfer.length > 0 ? Comlink.transfer(event, transfer) : event);
    },
    crash,
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
  };
  Comlink.expose(api, endpoint);
  return session;
}
