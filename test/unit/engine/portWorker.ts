import type { WorkerLike } from '../../../src/engine/client';
import { serveEngine } from '../../../src/engine/serve';
import type { EngineSession } from '../../../src/engine/session';

/**
 * The engine served in this process over a real MessageChannel, shaped like a Worker for
 * EngineClient: `terminate` ends the session (as ending a worker would), the session's debug
 * 'crash' fires the Worker's 'error' event, and debug 'exit' closes the engine's port silently.
 */
export class PortWorker extends EventTarget implements WorkerLike {
  readonly session: EngineSession;
  private readonly port: MessagePort;
  private readonly other: MessagePort;
  terminated = false;
  /** The engine side ended itself (debug 'exit'). */
  exited = false;

  constructor() {
    super();
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.other = port2;
    this.session = serveEngine(port2, {
      crash: () =>
        setTimeout(() =>
          this.dispatchEvent(Object.assign(new Event('error'), { message: 'crashed on purpose' })),
        ),
      // As a worker's close(): the engine side stops, and no event says so.
      exit: () =>
        setTimeout(() => {
          this.exited = true;
          void this.session.dispose();
          this.other.close();
        }),
    });
  }

  postMessage(message: unknown, transfer?: Transferable[]): void {
    this.port.postMessage(message, transfer ?? []);
  }

  override addEventListener(type: string, listener: EventListenerOrEventListenerObject | null): void {
    if (type === 'message') this.port.addEventListener('message', listener as EventListener);
    else super.addEventListener(type, listener);
  }

  override removeEventListener(type: string, listener: EventListenerOrEventListenerObject | null): void {
    if (type === 'message') this.port.removeEventListener('message', listener as EventListener);
    else super.removeEventListener(type, listener);
  }

  start(): void {
    this.port.start();
  }

  terminate(): void {
    if (this.terminated) return;
    this.terminated = true;
    void this.session.dispose();
    this.port.close();
    this.other.close();
  }
}
