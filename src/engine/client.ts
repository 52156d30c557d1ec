/**
 * The main-thread side of the engine: starts the worker, exposes the protocol as typed methods
 * and one event subscription, and recovers when the worker crashes, goes silent, hangs or loses
 * its GPU device: a new worker (from code kept in memory, so no network is needed) on the same
 * backend — another only when the backend caused it — with the last recovery checkpoint, the same
 * corpus, options, selection and pace. Restarts are retried with backoff; when they keep failing
 * the engine reports a fault with recovery 'none', and any later command (or `restart()`) tries
 * again. Nothing heavy runs here: it only forwards messages and keeps references.
 */
import type { ConfigError, ModelConfig } from '../model/config';
import type {
  BackendName,
  BackendReport,
  CheckpointFile,
  CommandErrorKind,
  CommandOf,
  CommandType,
  CorpusSource,
  DebugAction,
  EngineEvent,
  EngineFault,
  EngineListener,
  EngineOptions,
  EngineState,
  GenerateArgs,
  ResultOf,
  TokenSelection,
  TrainingPace,
} from './protocol';
import { RecoveryMemory } from './recoveryMemory';
import { backoffMs, RESTART_ATTEMPTS, RestartBudget } from './restartBudget';
import {
  type ChannelEnd,
  ChannelTimeoutError,
  type HeartbeatOptions,
  WorkerChannel,
  type WorkerLike,
} from './workerChannel';
import { createEngineWorker } from './workerSource';

export type { WorkerLike } from './workerChannel';
export { createEngineWorker } from './workerSource';

/** A command the engine answered with an error (see CommandErrorKind). */
export class EngineCommandError extends Error {
  constructor(
    readonly kind: CommandErrorKind,
    message: string,
    readonly configErrors?: ConfigError[],
  ) {
    super(message);
    this.name = 'EngineCommandError';
  }
}

export interface EngineClientOptions {
  /** Backend to ask for first (config.backend or the URL); default 'auto'. */
  backend?: BackendName | 'auto';
  /** Allow debug commands (tests). */
  allowDebug?: boolean;
  /** Starts a worker; default: the engine's Worker, from code read once (engineWorkerCode). */
  createWorker?: () => WorkerLike | Promise<WorkerLike>;
  /** Restarts within a few minutes (see restartBudget.ts) before giving up (default 3). */
  maxRestarts?: number;
  /** Heartbeat timing (tests shorten it). */
  heartbeat?: HeartbeatOptions;
}

type FailureKind = 'worker-crashed' | 'device-lost';

export class EngineClient {
  private connection: WorkerChannel | null = null;
  private readonly listeners = new Set<EngineListener>();
  private readonly memory: RecoveryMemory;
  private restarting: Promise<void> | null = null;
  private readonly restarts = new RestartBudget();
  private currentState: EngineState = 'starting';
  private currentBackend: BackendReport | null = null;
  private latestCheckpoint: CheckpointFile | null = null;
  /** The report of the backend a crashed worker ran on (see presentBackend). */
  private restartedFrom: BackendReport | null = null;
  private closed = false;

  private constructor(private readonly options: EngineClientOptions) {
    this.memory = new RecoveryMemory(options.backend ?? 'auto', options.allowDebug ?? false);
  }

  /** Starts the worker and its backend. */
  static async start(options: EngineClientOptions = {}): Promise<EngineClient> {
    const client = new EngineClient(options);
    try {
      await client.connect();
    } catch (err) {
      client.terminate();
      throw err;
    }
    return client;
  }

  get state(): EngineState {
    return this.currentState;
  }
  get backend(): BackendReport | null {
    return this.currentBackend;
  }
  /** The latest recovery checkpoint the worker sent (null before the first). */
  get lastCheckpoint(): CheckpointFile | null {
    return this.latestCheckpoint;
  }

  /** Every engine event, in order; returns the unsubscribe function. */
  subscribe(listener: EngineListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Sends one command; resolves with its result or rejects with an EngineCommandError. Waits for
   * a restart in progress; with no worker (restarts gave up) it tries to start one first. A
   * command whose worker died before answering is sent once more to the new worker (a Pause
   * pressed while the worker was dead still pauses); a command the worker does not answer in
   * time rejects, and the hung worker is replaced.
   */
  request<K extends CommandType>(command: CommandOf<K>): Promise<ResultOf<K>> {
    return this.send(command, command.type !== 'debug');
  }

  private async send<K extends CommandType>(command: CommandOf<K>, resend: boolean): Promise<ResultOf<K>> {
    if (this.closed) throw new EngineCommandError('invalid-state', 'the engine was shut down');
    if (this.restarting) await this.restarting;
    if (!this.connection) await this.restart();
    const connection = this.connection;
    if (!connection) throw new EngineCommandError('internal', 'the engine could not be restarted');
    let reply: Awaited<ReturnType<typeof connection.call<K>>>;
    try {
      reply = await connection.call(command);
    } catch (err) {
      if (!(err instanceof ChannelTimeoutError)) {
        // The worker died under the command (a debug command may be what killed it: not again).
        if (resend && this.connection !== connection && !this.closed) return this.send(command, false);
        throw err;
      }
      void this.recover('worker-crashed', `The engine stopped responding (${err.message}).`);
      throw new EngineCommandError('internal', `${err.message}: the engine is restarting.`);
    }
    if (!reply.ok)
      throw new EngineCommandError(reply.error.kind, reply.error.message, reply.error.configErrors);
    const value = reply.value as ResultOf<K> & { backend?: BackendReport | null };
    if (value && typeof value === 'object' && value.backend)
      value.backend = this.presentBackend(value.backend);
    if (this.memory.remember(command, value)) this.latestCheckpoint = null;
    return value;
  }

  configure(config: Partial<ModelConfig>, options?: Partial<EngineOptions>) {
    return this.request<'configure'>({ type: 'configure', config, ...(options ? { options } : {}) });
  }
  reset(seed?: number) {
    return this.request<'reset'>({ type: 'reset', ...(seed !== undefined ? { seed } : {}) });
  }
  setCorpus(corpus: CorpusSource) {
    return this.request<'setCorpus'>({ type: 'setCorpus', corpus });
  }
  setOptions(options: Partial<EngineOptions>) {
    return this.request<'setOptions'>({ type: 'setOptions', options });
  }
  start(pace?: TrainingPace) {
    return this.request<'start'>({ type: 'start', ...(pace ? { pace } : {}) });
  }
  pause() {
    return this.request<'pause'>({ type: 'pause' });
  }
  step(count = 1) {
    return this.request<'step'>({ type: 'step', count });
  }
  evaluate() {
    return this.request<'evaluate'>({ type: 'evaluate' });
  }
  trace(text: string, position: number, layer: number | null = null) {
    return this.request<'trace'>({ type: 'trace', text, position, layer });
  }
  /** Slots and weights of one memory layer (null: the first) at every byte of `text`, in one command. */
  readText(text: string, layer: number | null = null) {
    return this.request<'readText'>({ type: 'readText', text, layer });
  }
  /** Facts asked in their held-out wording: greedy answers, recall, the slots the answer read. */
  factReads(facts?: number[], layer: number | null = null) {
    return this.request<'factReads'>({ type: 'factReads', ...(facts ? { facts } : {}), layer });
  }
  select(selection: TokenSelection | null) {
    return this.request<'select'>({ type: 'select', selection });
  }
  generate(args: GenerateArgs) {
    return this.request<'generate'>({ type: 'generate', ...args });
  }
  saveCheckpoint() {
    return this.request<'saveCheckpoint'>({ type: 'saveCheckpoint' });
  }
  loadCheckpoint(bytes: Uint8Array) {
    return this.request<'loadCheckpoint'>({ type: 'loadCheckpoint', bytes });
  }
  importMemory(args: Omit<CommandOf<'importMemory'>, 'type'>) {
    return this.request<'importMemory'>({ type: 'importMemory', ...args });
  }
  cancel() {
    return this.request<'cancel'>({ type: 'cancel' });
  }
  status() {
    return this.request<'status'>({ type: 'status' });
  }
  debug(action: DebugAction) {
    return this.request<'debug'>({ type: 'debug', action });
  }

  /** Stops the worker for good. */
  terminate(): void {
    this.closed = true;
    this.connection?.kill(new EngineCommandError('invalid-state', 'the engine was shut down'));
    this.connection = null;
  }

  /**
   * Starts a new worker now (the user's "restart" after restarts gave up), from the last recovery
   * checkpoint; waits for a restart already under way instead.
   */
  restart(): Promise<void> {
    if (this.restarting) return this.restarting;
    this.restarts.clear();
    return this.recover('worker-crashed', 'The engine was restarted.');
  }

  // ------------------------------------------------------------------------------------------

  private async connect(): Promise<void> {
    const worker = await (this.options.createWorker ?? createEngineWorker)();
    const channel: WorkerChannel = new WorkerChannel(
      worker,
      (event) => {
        if (this.connection === channel) this.onEvent(event);
      },
      (end) => this.channelEnded(channel, end),
      this.options.heartbeat,
    );
    this.connection = channel;
    try {
      await channel.open();
      const reply = await channel.call<'init'>({ type: 'init', ...this.memory.initArgs() });
      if (!reply.ok) throw new EngineCommandError(reply.error.kind, reply.error.message);
      this.currentBackend = this.presentBackend(reply.value.backend);
    } catch (err) {
      channel.kill(err as Error);
      if (this.connection === channel) this.connection = null;
      throw err;
    }
  }

  /** A worker died: replace it (a new worker failing during a restart is retried by the restart). */
  private channelEnded(channel: WorkerChannel, end: ChannelEnd): void {
    if (channel !== this.connection) return;
    const message =
      end.cause === 'silent'
        ? `The engine stopped (${end.message}).`
        : `The engine worker crashed (${end.message}).`;
    if (this.restarting) {
      channel.kill(new EngineCommandError('internal', message));
      this.connection = null;
      return;
    }
    void this.recover('worker-crashed', message);
  }

  /**
   * A worker restarted on the backend it had keeps that backend's report: it was forced only to
   * land there again, and what the automatic choice said (e.g. a software adapter passed over)
   * still holds — until the engine moves to another backend.
   */
  private presentBackend(report: BackendReport): BackendReport {
    const before = this.restartedFrom;
    if (!before || before.backend !== report.backend) {
      if (!this.restarting) this.restartedFrom = null;
      return report;
    }
    return { ...report, requested: before.requested, fallbacks: before.fallbacks, ...pickSoftware(before) };
  }

  private onEvent(event: EngineEvent): void {
    if (event.type === 'state') this.currentState = event.state;
    if (event.type === 'backend') {
      this.currentBackend = this.presentBackend(event.backend);
      event = { type: 'backend', backend: this.currentBackend };
    }
    if (event.type === 'checkpoint' && this.memory.checkpoint(event.checkpoint))
      this.latestCheckpoint = event.checkpoint;
    if (event.type === 'fault') {
      this.memory.fault(event.fault);
      if (event.fault.kind === 'device-lost' && event.fault.recovery === 'restarting') {
        // The worker already said it; recovery reports the result.
        this.dispatch(event);
        void this.recover('device-lost', event.fault.message, false);
        return;
      }
    }
    this.dispatch(event);
  }

  private dispatch(event: EngineEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err) {
        console.error('an engine event listener failed', err);
      }
    }
  }

  private setState(state: EngineState, reason?: string): void {
    this.currentState = state;
    this.dispatch({ type: 'state', state, ...(reason ? { reason } : {}) });
  }

  private fault(fault: Omit<EngineFault, 'backend'>): void {
    this.dispatch({ type: 'fault', fault: { ...fault, backend: this.currentBackend?.backend ?? null } });
  }

  /** Replaces the worker (see restartLoop); one restart at a time. */
  private recover(kind: FailureKind, message: string, announce = true): Promise<void> {
    if (this.restarting || this.closed) return this.restarting ?? Promise.resolve();
    const failed = this.currentBackend?.backend;
    this.restarting = this.restartLoop(kind, message, failed, announce).finally(() => {
      this.restarting = null;
    });
    return this.restarting;
  }

  /**
   * Stops the old worker, then starts a new one and replays the remembered state, retrying with
   * backoff. Ends in 'restarted', or in a fault with recovery 'none' that the next command retries.
   */
  private async restartLoop(
    kind: FailureKind,
    message: string,
    failed: BackendName | undefined,
    announce: boolean,
  ): Promise<void> {
    this.connection?.kill(
      new EngineCommandError('internal', `${message} The engine is restarting: send the command again.`),
    );
    this.connection = null;
    this.setState('restarting', kind);
    if (announce)
      this.fault({ kind, message: `${message} Restarting the engine.`, step: 0, recovery: 'restarting' });
    const allowed = this.options.maxRestarts ?? 3;
    if (!this.restarts.take(performance.now(), allowed)) {
      this.giveUp(kind, `${message} The engine gave up after ${allowed} restarts in a few minutes.`);
      return;
    }
    this.memory.planRestart(kind, failed);
    this.restartedFrom = this.currentBackend;
    const step = this.memory.model?.step ?? 0;
    let lastError: Error | null = null;
    for (let attempt = 0; attempt < RESTART_ATTEMPTS && !this.closed; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, backoffMs(attempt)));
      try {
        await this.connect();
        await this.replay();
        this.fault({
          kind,
          message: `${message} Restarted on ${this.currentBackend?.backend} from the weights of step ${step}.`,
          step,
          recovery: 'restarted',
          restoredStep: step,
        });
        return;
      } catch (err) {
        lastError = err as Error;
        // connect() cleans up after itself; a failed replay leaves its worker to stop here.
        (this.connection as WorkerChannel | null)?.kill(lastError);
        this.connection = null;
      }
    }
    if (!this.closed)
      this.giveUp(kind, `${message} Restarting failed ${RESTART_ATTEMPTS} times: ${lastError?.message}`);
  }

  private giveUp(kind: FailureKind, message: string): void {
    this.setState('faulted', 'restart failed');
    this.fault({ kind, message, step: this.memory.model?.step ?? 0, recovery: 'none' });
  }

  /** Sends the remembered state to a fresh worker (bypassing the restart queue). */
  private async replay(): Promise<void> {
    for (const { command, optional } of this.memory.replay()) {
      const connection = this.connection;
      if (!connection) throw new EngineCommandError('internal', 'the new engine worker stopped');
      const reply = await connection.call(command as CommandOf<CommandType>);
      if (!reply.ok && !optional) throw new EngineCommandError(reply.error.kind, reply.error.message);
    }
  }
}

function pickSoftware(report: BackendReport): Pick<BackendReport, 'softwareAdapter'> {
  return report.softwareAdapter ? { softwareAdapter: report.softwareAdapter } : {};
}
