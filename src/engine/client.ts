/**
 * The main-thread side of the engine: starts the worker, exposes the protocol as typed methods
 * and one event subscription, and recovers from a crashed worker or a lost GPU device by starting
 * a new worker on the next backend with the last recovery checkpoint, the same corpus, options,
 * selection and pace. Nothing heavy runs here: it only forwards messages and keeps references.
 */
import * as Comlink from 'comlink';
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
  EngineCommand,
  EngineEvent,
  EngineFault,
  EngineListener,
  EngineOptions,
  EngineState,
  EngineWorkerApi,
  GenerateArgs,
  InitArgs,
  Reply,
  ResultOf,
  TokenSelection,
  TrainingPace,
} from './protocol';

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

/** What the client needs of a Worker (a real one, or a MessagePort-backed one in tests). */
export interface WorkerLike extends Comlink.Endpoint {
  terminate(): void;
}

export interface EngineClientOptions {
  /** Backend to ask for first (config.backend or the URL); default 'auto'. */
  backend?: BackendName | 'auto';
  /** Allow debug commands (tests). */
  allowDebug?: boolean;
  /** Starts a worker; default: the engine's module Worker. */
  createWorker?: () => WorkerLike;
  /** Restarts after crashes or lost devices before giving up (default 3). */
  maxRestarts?: number;
}

export function createEngineWorker(): Worker {
  return new Worker(new URL('./worker.ts', import.meta.url), { type: 'module', name: 'pkm-engine' });
}

/** What a new worker needs to continue where the old one stopped. */
interface Memory {
  init: InitArgs;
  avoid: Set<BackendName>;
  options: Partial<EngineOptions>;
  corpus: CorpusSource | null;
  /** The model: its config, and the latest checkpoint of it (null = rebuild from the config's seed). */
  model: { config: ModelConfig; checkpoint: Uint8Array | null; step: number } | null;
  selection: TokenSelection | null;
  /** The pace while training, null while not. */
  training: TrainingPace | null;
}

interface Connection {
  worker: WorkerLike;
  remote: Comlink.Remote<EngineWorkerApi>;
  /** Rejects when this worker is given up, so requests to it never hang. */
  dead: Promise<never>;
  kill: (reason: Error) => void;
}

export class EngineClient {
  private connection: Connection | null = null;
  private readonly listeners = new Set<EngineListener>();
  private readonly memory: Memory;
  private restarting: Promise<void> | null = null;
  private restarts = 0;
  private currentState: EngineState = 'starting';
  private currentBackend: BackendReport | null = null;
  private latestCheckpoint: CheckpointFile | null = null;
  private closed = false;

  private constructor(private readonly options: EngineClientOptions) {
    this.memory = {
      init: { backend: options.backend ?? 'auto', allowDebug: options.allowDebug ?? false },
      avoid: new Set(),
      options: {},
      corpus: null,
      model: null,
      selection: null,
      training: null,
    };
  }

  /** Starts the worker and its backend. */
  static async start(options: EngineClientOptions = {}): Promise<EngineClient> {
    const client = new EngineClient(options);
    await client.connect();
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

  /** Sends one command; resolves with its result or rejects with an EngineCommandError. */
  async request<K extends CommandType>(command: CommandOf<K>): Promise<ResultOf<K>> {
    if (this.closed) throw new EngineCommandError('invalid-state', 'the engine was shut down');
    if (this.restarting) await this.restarting;
    const connection = this.connection!;
    const reply = await Promise.race([connection.remote.request(command), connection.dead]);
    if (!reply.ok)
      throw new EngineCommandError(reply.error.kind, reply.error.message, reply.error.configErrors);
    this.remember(command, reply.value as ResultOf<K>);
    return reply.value as ResultOf<K>;
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

  // ------------------------------------------------------------------------------------------

  private async connect(): Promise<void> {
    const worker = (this.options.createWorker ?? createEngineWorker)();
    let kill: (reason: Error) => void = () => {};
    const dead = new Promise<never>((_, reject) => {
      kill = (reason) => {
        reject(reason);
        worker.removeEventListener('error', onError);
        remote[Comlink.releaseProxy]();
        worker.terminate();
      };
    });
    dead.catch(() => {});
    const onError = (event: Event) => {
      event.preventDefault?.();
      const message = (event as ErrorEvent).message || 'the engine worker stopped';
      void this.recover('worker-crashed', `The engine worker crashed (${message}).`);
    };
    worker.addEventListener('error', onError);
    const remote = Comlink.wrap<EngineWorkerApi>(worker);
    const connection: Connection = { worker, remote, dead, kill };
    this.connection = connection;
    await Promise.race([remote.subscribe(Comlink.proxy((event: EngineEvent) => this.onEvent(event))), dead]);
    const init: InitArgs = { ...this.memory.init, avoid: [...this.memory.avoid] };
    const reply = await Promise.race([call<'init'>(connection, { type: 'init', ...init }), dead]);
    if (!reply.ok) throw new EngineCommandError(reply.error.kind, reply.error.message);
    this.currentBackend = reply.value.backend;
  }

  private onEvent(event: EngineEvent): void {
    if (event.type === 'state') this.currentState = event.state;
    if (event.type === 'backend') this.currentBackend = event.backend;
    if (event.type === 'checkpoint') {
      const model = this.memory.model;
      if (model && sameConfig(model.config, event.checkpoint.config)) {
        model.checkpoint = event.checkpoint.bytes;
        model.step = event.checkpoint.step;
        this.latestCheckpoint = event.checkpoint;
      }
    }
    if (event.type === 'fault') {
      if (event.fault.recovery === 'paused') this.memory.training = null;
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

  private fault(fault: Omit<EngineFault, 'backend'>): void {
    this.dispatch({ type: 'fault', fault: { ...fault, backend: this.currentBackend?.backend ?? null } });
  }

  /** Keeps what a restart needs from every successful command. */
  private remember<K extends CommandType>(command: CommandOf<K>, result: ResultOf<K>): void {
    const m = this.memory;
    const c = command as EngineCommand;
    switch (c.type) {
      case 'configure':
      case 'reset': {
        const info = result as ResultOf<'configure'>;
        if (c.type === 'configure' && c.options) m.options = { ...m.options, ...c.options };
        m.model = { config: info.config, checkpoint: null, step: 0 };
        m.training = null;
        this.latestCheckpoint = null;
        break;
      }
      case 'loadCheckpoint': {
        const info = result as ResultOf<'loadCheckpoint'>;
        m.model = { config: info.config, checkpoint: c.bytes, step: info.step };
        m.training = null;
        this.latestCheckpoint = null;
        break;
      }
      case 'setOptions':
        m.options = { ...m.options, ...c.options };
        break;
      case 'setCorpus':
        m.corpus = c.corpus;
        if (m.model) m.model.config = { ...m.model.config, corpus: c.corpus.kind };
        break;
      case 'select':
        m.selection = c.selection;
        break;
      case 'start':
        m.training = c.pace ?? { kind: 'fast' };
        break;
      case 'pause':
      case 'cancel':
        m.training = null;
        break;
    }
  }

  /**
   * Replaces a crashed worker (or one whose device was lost) with a new one on the next backend,
   * and puts back corpus, options, model (last recovery checkpoint), selection and pace.
   */
  private recover(kind: 'worker-crashed' | 'device-lost', message: string, announce = true): Promise<void> {
    if (this.restarting || this.closed) return this.restarting ?? Promise.resolve();
    const failed = this.currentBackend?.backend;
    this.restarting = (async () => {
      const old = this.connection;
      this.currentState = 'restarting';
      this.dispatch({ type: 'state', state: 'restarting', reason: kind });
      if (announce)
        this.fault({ kind, message: `${message} Restarting the engine.`, step: 0, recovery: 'restarting' });
      old?.kill(
        new EngineCommandError('internal', `${message} The engine is restarting: send the command again.`),
      );
      if (this.restarts >= (this.options.maxRestarts ?? 3)) {
        this.fault({
          kind,
          message: `${message} The engine gave up after ${this.restarts} restarts.`,
          step: 0,
          recovery: 'none',
        });
        this.closed = true;
        return;
      }
      this.restarts++;
      // The backend that failed is not tried again; a forced one falls back to the usual order.
      if (failed) this.memory.avoid.add(failed);
      if (failed && this.memory.init.backend === failed) this.memory.init.backend = 'auto';
      const step = this.memory.model?.step ?? 0;
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
      } catch (err) {
        this.fault({
          kind,
          message: `${message} Restarting failed: ${(err as Error).message}`,
          step: 0,
          recovery: 'none',
        });
      }
    })().finally(() => {
      this.restarting = null;
    });
    return this.restarting;
  }

  /** Sends the remembered state to a fresh worker (bypassing the restart queue). */
  private async replay(): Promise<void> {
    const m = this.memory;
    const send = async <K extends CommandType>(command: CommandOf<K>): Promise<ResultOf<K>> => {
      const connection = this.connection!;
      const reply = await Promise.race([call(connection, command), connection.dead]);
      if (!reply.ok) throw new EngineCommandError(reply.error.kind, reply.error.message);
      return reply.value as ResultOf<K>;
    };
    if (Object.keys(m.options).length > 0)
      await send<'setOptions'>({ type: 'setOptions', options: m.options });
    if (m.corpus) await send<'setCorpus'>({ type: 'setCorpus', corpus: m.corpus });
    if (m.model) {
      // The config's forced backend may be the one that failed: let the new worker's choice stand.
      const config = { ...m.model.config, backend: 'auto' as const };
      if (m.model.checkpoint)
        await send<'loadCheckpoint'>({ type: 'loadCheckpoint', bytes: m.model.checkpoint });
      else await send<'configure'>({ type: 'configure', config });
      if (m.selection) await send<'select'>({ type: 'select', selection: m.selection }).catch(() => null);
      if (m.training) await send<'start'>({ type: 'start', pace: m.training });
    }
  }
}

function sameConfig(a: ModelConfig, b: ModelConfig): boolean {
  return JSON.stringify({ ...a, backend: null }) === JSON.stringify({ ...b, backend: null });
}

/** Comlink's Remote drops the generic of request(): put the command's result type back. */
function call<K extends CommandType>(
  connection: Connection,
  command: CommandOf<K>,
): Promise<Reply<ResultOf<K>>> {
  return connection.remote.request(command as never) as Promise<Reply<ResultOf<K>>>;
}
