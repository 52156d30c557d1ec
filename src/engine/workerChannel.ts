/**
 * One engine worker as the client sees it: Comlink calls that always end (an answer, the worker's
 * death, or a timeout), and the ways a worker dies noticed — an error event after a crash, and
 * silence (a worker that called `close()` or was killed sends no event at all) through a heartbeat.
 */
import * as Comlink from 'comlink';
import type { CommandOf, CommandType, EngineEvent, EngineWorkerApi, Reply, ResultOf } from './protocol';

/** What the client needs of a Worker (a real one, or a MessagePort-backed one in tests). */
export interface WorkerLike extends Comlink.Endpoint {
  terminate(): void;
  /** Files to hand the worker before it starts its backend (the wasm binaries, kept in memory). */
  files?: Record<string, ArrayBuffer>;
}

export interface HeartbeatOptions {
  /** How often the worker is pinged, ms. */
  intervalMs: number;
  /** Silence (no answer, no event) after which the worker counts as dead, ms. */
  deadAfterMs: number;
}

/**
 * A worker busy in a long synchronous stretch (building a large table on wasm) does not answer
 * pings either: the silence allowed is well above the longest such stretch seen (a few seconds).
 */
export const DEFAULT_HEARTBEAT: HeartbeatOptions = { intervalMs: 1_000, deadAfterMs: 15_000 };

/**
 * The longest a command may take before the engine counts as hung. Builds, checkpoints and
 * imports of large models on a software GPU take minutes; the rest answer in seconds.
 */
const SLOW_COMMAND_MS = 600_000;
const COMMAND_TIMEOUT_MS: Partial<Record<CommandType, number>> = {
  init: 120_000,
  status: 60_000,
  pause: 120_000,
  cancel: 60_000,
  setOptions: 60_000,
};
export function commandTimeoutMs(type: CommandType): number {
  return COMMAND_TIMEOUT_MS[type] ?? SLOW_COMMAND_MS;
}

/** Why a channel ended: the worker crashed, went silent, or the client gave it up. */
export type ChannelEnd = { cause: 'crashed' | 'silent'; message: string };

export class WorkerChannel {
  private readonly remote: Comlink.Remote<EngineWorkerApi>;
  /** Rejects when this worker is given up, so calls to it never hang. */
  private readonly dead: Promise<never>;
  private rejectDead: (reason: Error) => void = () => {};
  private heartbeat: ReturnType<typeof setInterval> | null = null;
  private lastHeard = performance.now();
  private ended = false;

  constructor(
    private readonly worker: WorkerLike,
    private readonly onEvent: (event: EngineEvent) => void,
    private readonly onEnd: (end: ChannelEnd) => void,
    private readonly beat: HeartbeatOptions = DEFAULT_HEARTBEAT,
  ) {
    this.dead = new Promise<never>((_, reject) => {
      this.rejectDead = reject;
    });
    this.dead.catch(() => {});
    worker.addEventListener('error', this.onError);
    this.remote = Comlink.wrap<EngineWorkerApi>(worker);
  }

  /** Subscribes to events, hands over the files, starts the heartbeat. */
  async open(): Promise<void> {
    const listen = Comlink.proxy((event: EngineEvent) => {
      this.lastHeard = performance.now();
      this.onEvent(event);
    });
    await this.within(this.remote.subscribe(listen), 'subscribe', commandTimeoutMs('init'));
    if (this.worker.files) {
      await this.within(
        this.remote.provideFiles(this.worker.files),
        'provideFiles',
        commandTimeoutMs('init'),
      );
    }
    this.lastHeard = performance.now();
    this.heartbeat = setInterval(() => this.listen(), this.beat.intervalMs);
  }

  /** Sends one command; rejects when the worker dies or the command's time runs out. */
  call<K extends CommandType>(command: CommandOf<K>): Promise<Reply<ResultOf<K>>> {
    const sent = this.remote.request(command as never) as Promise<Reply<ResultOf<K>>>;
    return this.within(sent, `"${command.type}"`, commandTimeoutMs(command.type));
  }

  /** Stops the worker for good; pending calls reject with `reason`. */
  kill(reason: Error): void {
    if (this.ended) return;
    this.ended = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.rejectDead(reason);
    this.worker.removeEventListener('error', this.onError);
    this.remote[Comlink.releaseProxy]();
    this.worker.terminate();
  }

  private readonly onError = (event: Event) => {
    event.preventDefault?.();
    this.end({ cause: 'crashed', message: (event as ErrorEvent).message || 'the engine worker stopped' });
  };

  private end(end: ChannelEnd): void {
    if (this.ended) return;
    this.onEnd(end);
  }

  /** One heartbeat: ping, and call the worker dead after too long a silence. */
  private listen(): void {
    if (this.ended) return;
    const silent = performance.now() - this.lastHeard;
    if (silent > this.beat.deadAfterMs) {
      this.end({
        cause: 'silent',
        message: `the engine worker stopped answering (no sign of life for ${Math.round(silent / 1000)} s)`,
      });
      return;
    }
    this.remote.ping().then(
      () => {
        this.lastHeard = performance.now();
      },
      () => undefined,
    );
  }

  /** `promise`, or a rejection when the worker dies or `ms` pass. */
  private within<T>(promise: Promise<T>, what: string, ms: number): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new ChannelTimeoutError(`the engine did not answer ${what} within ${ms / 1000} s`)),
        ms,
      );
    });
    return Promise.race([promise, this.dead, timeout]).finally(() => clearTimeout(timer));
  }
}

/** A command the worker did not answer in time (the client treats the engine as hung). */
export class ChannelTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChannelTimeoutError';
  }
}
