/**
 * The engine: owns tfjs and the current model run, answers the protocol's commands and emits its
 * events. A plain class, so Node tests drive it directly; serve.ts puts it behind Comlink.
 *
 * Concurrency: everything that touches tfjs runs under one Mutex (a training step, a command), so
 * commands interleave between steps. pause/cancel/status only flip flags and never wait for it.
 */
import * as tf from '@tensorflow/tfjs';
import { type ModelConfig, validateConfig } from '../model/config';
import { checkCorpusFits, createBatchSampler } from '../model/corpus/dataset';
import { generate } from '../model/generate';
import { type StepResult, TrainingDivergedError } from '../model/training/trainer';
import { activeWebgpuDevice, type BackendFallback, chooseBackend } from './backend';
import { type CheckpointContents, decodeCheckpoint } from './checkpoint';
import { Corpora, corpusInfo } from './corpora';
import { memoryCoverage } from './coverage';
import { webgpuLimitProblem } from './deviceLimits';
import { EngineError, isOutOfMemory, toCommandError } from './errors';
import { readFacts } from './factReads';
import { LiveUsage, MAX_PENDING_STEPS } from './liveUsage';
import { LossLog } from './lossLog';
import { estimateMemory, overCapMessage } from './memoryEstimate';
import { DEFAULT_ENGINE_OPTIONS, mergeOptions } from './options';
import {
  type BackendName,
  type BackendReport,
  type CommandOf,
  type CommandType,
  type CorpusInfo,
  type CorpusSource,
  type EngineEvent,
  type EngineOptions,
  type EngineState,
  type EngineStatus,
  type FaultKind,
  type ModelInfo,
  PROTOCOL_VERSION,
  type RecallPoint,
  type Reply,
  type ResultOf,
  type StepRecord,
  type TokenSelection,
  type TokenTrace,
  type TrainingPace,
} from './protocol';
import { RecallLog } from './recallLog';
import {
  createRun,
  disposeRun,
  evaluateRun,
  measureRecall,
  type Run,
  runCheckpoint,
  stepRun,
  usageLayouts,
  warmUpRun,
} from './run';
import { interruptibleSleep, Mutex, yieldToEvents } from './scheduling';
import { SnapshotComposer, tfMemory } from './snapshots';
import { readTextReads } from './textReads';
import { traceToken } from './tokenTrace';
import { validateCommand } from './validate';

/** How the session reaches its host (the worker shell, or a test). */
export interface SessionHost {
  emit(event: EngineEvent, transfer: Transferable[]): void;
  /** Ends the host abruptly (debug 'crash'); absent where that is impossible. */
  crash?: () => void;
  /** Ends the host silently, with no error event (debug 'exit'). */
  exit?: () => void;
}

export interface HandledReply {
  reply: Reply<unknown>;
  transfer: Transferable[];
}

type Handled<T> = T | { value: T; transfer: Transferable[] };
type Handler<K extends CommandType> = (command: CommandOf<K>) => Promise<Handled<ResultOf<K>>>;

class WithTransfer<T> {
  constructor(
    readonly value: T,
    readonly transfer: Transferable[],
  ) {}
}

/** How long a failed WebGPU step waits for the device-loss report before calling it a fault, ms. */
const DEVICE_LOSS_GRACE_MS = 500;

/** Commands that need a model. */
const NEEDS_MODEL: readonly CommandType[] = [
  'reset',
  'start',
  'step',
  'evaluate',
  'trace',
  'readText',
  'factReads',
  'generate',
  'saveCheckpoint',
];

interface GpuErrorScopes {
  pushErrorScope(filter: 'out-of-memory' | 'validation'): void;
  popErrorScope(): Promise<{ message: string } | null>;
}

export class EngineSession {
  private state: EngineState = 'starting';
  private options: EngineOptions = { ...DEFAULT_ENGINE_OPTIONS };
  private backend: BackendReport | null = null;
  /** Backends init was told not to use (they failed earlier), with why. */
  private avoid: BackendFallback[] = [];
  private allowDebug = false;
  private deviceLost = false;
  /** Debug 'fail-next-step': the next training step throws. */
  private failNextStep = false;
  /** Divergences already reported as a fault where the stats were read (settle). */
  private readonly reportedDivergence = new WeakSet<Error>();
  private closed = false;
  private readonly corpora = new Corpora();
  private run: Run | null = null;
  private selection: TokenSelection | null = null;
  private pace: TrainingPace = { kind: 'fast' };
  private training = false;
  private trainingSince = 0;
  private loop: Promise<void> | null = null;
  private wakeLoop: (() => void) | null = null;
  private readonly lock = new Mutex();
  private readonly aborts = new Set<AbortController>();
  private readonly snapshots = new SnapshotComposer();
  private trailingSnapshot: ReturnType<typeof setTimeout> | null = null;
  private lastCheckpointAt = 0;
  /** The current model's training losses, saved with its checkpoints. */
  private readonly losses = new LossLog();
  /** Its fact-recall measurements, saved with them too. */
  private readonly recall = new RecallLog();
  private readonly startedAt = performance.now();

  constructor(private readonly host: SessionHost) {}

  /** Answers one command; never throws. */
  async handle(command: unknown): Promise<HandledReply> {
    const problem = validateCommand(command);
    if (problem)
      return { reply: { ok: false, error: { kind: 'bad-command', message: problem } }, transfer: [] };
    const cmd = command as CommandOf<CommandType>;
    try {
      this.checkAllowed(cmd.type);
      const out = await (this.handlers[cmd.type] as Handler<CommandType>)(cmd as never);
      if (out instanceof WithTransfer)
        return { reply: { ok: true, value: out.value }, transfer: out.transfer };
      return { reply: { ok: true, value: out }, transfer: [] };
    } catch (err) {
      return { reply: { ok: false, error: toCommandError(err) }, transfer: [] };
    }
  }

  /** Stops training, aborts long commands and frees the model; every later command is refused. */
  async dispose(): Promise<void> {
    this.closed = true;
    for (const a of this.aborts) a.abort();
    await this.stopTraining();
    await this.exclusive(async () => this.dropRun());
  }

  private checkAllowed(type: CommandType): void {
    if (this.closed) throw new EngineError('invalid-state', 'the engine was shut down');
    if (type === 'status' || type === 'cancel' || type === 'pause') return;
    if (this.deviceLost) {
      throw new EngineError(
        'invalid-state',
        'the GPU device was lost: the engine is restarting on another backend',
      );
    }
    if (type === 'init') return;
    if (!this.backend) throw new EngineError('invalid-state', 'the engine has not started: send init first');
    if (NEEDS_MODEL.includes(type) && !this.run) {
      throw new EngineError('invalid-state', `${type} needs a model: send configure or loadCheckpoint first`);
    }
  }

  private readonly handlers: { [K in CommandType]: Handler<K> } = {
    init: (c) => this.exclusive(() => this.init(c)),
    configure: async (c) => {
      await this.stopTraining();
      return this.exclusive(() => this.configure(c));
    },
    reset: async (c) => {
      await this.stopTraining();
      return this.exclusive(() => {
        const config = { ...this.run!.config, ...(c.seed !== undefined ? { seed: c.seed } : {}) };
        return this.build(config, null, false);
      });
    },
    setCorpus: (c) => this.exclusive(() => this.setCorpus(c.corpus)),
    setOptions: async (c) => this.setOptions(c.options),
    start: async (c) => this.start(c.pace ?? { kind: 'fast' }),
    pause: async () => {
      await this.stopTraining();
      return this.status();
    },
    step: (c) => this.exclusive(() => this.steps(c.count ?? 1)),
    evaluate: (c) =>
      this.exclusive(() =>
        this.abortable(async (signal) => {
          const report = await evaluateRun(this.run!, this.options.evalBatches, c.recall ?? true, signal);
          this.snapshots.latestEval = report;
          if (report.recall) this.recalled({ step: report.step, ...report.recall });
          return report;
        }),
      ),
    trace: (c) =>
      this.exclusive(() =>
        traceToken(
          this.run!.model,
          this.run!.capture,
          { ...c, layer: c.layer ?? null },
          this.run!.trainer.steps,
        ),
      ),
    readText: (c) =>
      this.exclusive(() =>
        this.abortable(async (signal) => {
          const request = { text: c.text, layer: c.layer ?? null };
          const reads = await readTextReads(this.run!.model, request, this.run!.trainer.steps, signal);
          return new WithTransfer(reads, [reads.slots.buffer, reads.weights.buffer]);
        }),
      ),
    factReads: (c) =>
      this.exclusive(() =>
        this.abortable((signal) => {
          const run = this.run!;
          const request = { facts: c.facts ?? null, layer: c.layer ?? null };
          return readFacts(run.model, run.corpus.probes ?? [], request, run.trainer.steps, signal);
        }),
      ),
    select: (c) => this.exclusive(() => this.select(c.selection)),
    generate: (c) => this.exclusive(() => this.abortable((signal) => this.generate(c, signal))),
    saveCheckpoint: () =>
      this.exclusive(async () => {
        await this.settle(this.run!);
        const file = await runCheckpoint(this.run!, this.histories());
        return new WithTransfer(file, [file.bytes.buffer as ArrayBuffer]);
      }),
    loadCheckpoint: async (c) => {
      await this.stopTraining();
      return this.exclusive(() => {
        const contents = decodeCheckpoint(c.bytes);
        const config = c.backend ? { ...contents.config, backend: c.backend } : contents.config;
        return this.build(config, contents, false);
      });
    },
    // Not under the lock as a whole: decoding is plain JS that yields, and the tfjs work takes the
    // lock chunk by chunk, so training steps go on between them.
    importMemory: (c) =>
      this.abortable(async (signal) => {
        const report = await memoryCoverage(c, signal, (section) => this.exclusive(section));
        const maps = [report.counts, report.weights].flatMap((m) => [...m.perHead, m.total]);
        return new WithTransfer(report, [
          ...maps.map((a) => a.buffer as ArrayBuffer),
          report.dead.slots.buffer,
        ]);
      }),
    cancel: async () => {
      const cancelled = this.aborts.size + (this.training ? 1 : 0);
      for (const a of this.aborts) a.abort();
      await this.stopTraining();
      return { cancelled };
    },
    status: async () => this.status(),
    debug: async (c) => this.debug(c.action),
  };

  private exclusive<T>(section: () => Promise<T>): Promise<T> {
    return this.lock.run(section);
  }

  private async abortable<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    this.aborts.add(controller);
    try {
      return await work(controller.signal);
    } finally {
      this.aborts.delete(controller);
    }
  }

  private emit(event: EngineEvent, transfer: Transferable[] = []): void {
    this.host.emit(event, transfer);
  }

  private setState(state: EngineState, reason?: string): void {
    if (state === this.state && !reason) return;
    this.state = state;
    this.emit({ type: 'state', state, ...(reason ? { reason } : {}) });
  }

  private fault(kind: FaultKind, message: string, recovery: 'paused' | 'restarting' | 'none'): void {
    const step = this.run?.trainer.steps ?? 0;
    this.emit({
      type: 'fault',
      fault: { kind, message, step, backend: this.backend?.backend ?? null, recovery },
    });
  }

  // ------------------------------------------------------------------------------------------
  // Backend

  private async init(c: CommandOf<'init'>) {
    this.dropRun();
    this.allowDebug = c.allowDebug ?? false;
    this.avoid = (c.avoid ?? []).map((backend) => ({
      backend,
      reason: 'it failed earlier in this session (lost device or crash)',
    }));
    this.backend = await this.switchBackend(c.backend ?? 'auto');
    this.setState('unconfigured');
    return { protocol: PROTOCOL_VERSION, backend: this.backend, options: { ...this.options } };
  }

  private async switchBackend(requested: BackendName | 'auto'): Promise<BackendReport> {
    let report: BackendReport;
    try {
      // An explicit request (the user's own switch) may retry a backend that failed earlier.
      const avoid = this.avoid.filter((a) => a.backend !== requested);
      const choice = await chooseBackend(requested === 'auto' ? undefined : requested, undefined, avoid);
      report = { ...choice, requested };
    } catch (err) {
      this.fault('backend-failed', (err as Error).message, 'none');
      throw new EngineError('internal', (err as Error).message);
    }
    this.watchDevice();
    this.emit({ type: 'backend', backend: report });
    return report;
  }

  /** Reports a lost WebGPU device (driver reset, or debug 'lose-device'): the client restarts us. */
  private watchDevice(): void {
    const device = activeWebgpuDevice();
    device?.lost.then((info) => {
      if (tf.getBackend() !== 'webgpu' || this.closed) return;
      this.deviceLost = true;
      this.training = false;
      this.wakeLoop?.();
      for (const a of this.aborts) a.abort();
      this.setState('faulted', 'device lost');
      const why = info?.message || info?.reason || 'unknown reason';
      this.fault(
        'device-lost',
        `The GPU device was lost (${why}). The engine restarts on another backend from the last saved weights.`,
        'restarting',
      );
    });
  }

  // ------------------------------------------------------------------------------------------
  // Model lifecycle

  private async configure(c: CommandOf<'configure'>): Promise<ModelInfo> {
    const checked = validateConfig(c.config as Record<string, unknown>);
    if (!checked.ok) {
      const lines = [
        ...checked.errors.map((e) => e.message),
        ...checked.unknown.map((k) => `unknown field "${k}"`),
      ];
      throw new EngineError('invalid-config', `Invalid config: ${lines.join('; ')}`, checked.errors);
    }
    if (c.options) this.setOptions(c.options);
    return this.build(checked.config, null, c.skipWarmupSteps ?? false);
  }

  /**
   * Builds a model for `config` (seeded, or from a checkpoint), warms it up and leaves the engine
   * paused. The corpus and the memory estimate are checked before anything is freed or allocated;
   * on WebGPU an out-of-memory error scope catches allocation failures.
   */
  private async build(
    config: ModelConfig,
    checkpoint: CheckpointContents | null,
    skipWarmupSteps: boolean,
  ): Promise<ModelInfo> {
    const corpus = this.corpora.forConfig(config);
    const estimate = estimateMemory(config, this.options.memoryCapBytes);
    if (estimate.totalBytes > estimate.capBytes)
      throw new EngineError('out-of-memory', overCapMessage(estimate));
    this.dropRun();
    const wanted = config.backend;
    // A checkpoint's backend is where it was made, not a request: loading it never switches.
    if (!checkpoint && wanted !== 'auto' && wanted !== this.backend!.backend) {
      this.backend = await this.switchBackend(wanted);
    }
    const overLimit = webgpuLimitProblem(config);
    if (overLimit) throw new EngineError('out-of-memory', overLimit);
    this.setState('building');
    this.emit({ type: 'warmup', phase: 'build', fraction: 0, message: 'building the model' });
    const device = activeWebgpuDevice() as unknown as GpuErrorScopes | null;
    // Validation errors (e.g. a buffer over a device limit) would otherwise only be logged.
    device?.pushErrorScope('validation');
    device?.pushErrorScope('out-of-memory');
    let openScopes = device ? 2 : 0;
    try {
      const started = performance.now();
      const run = createRun(config, corpus, checkpoint, estimate, this.options.usageHalfLife);
      this.run = run;
      // A loaded run goes on counting usage from where it was (warm-up's reads are discarded).
      if (checkpoint?.usage) run.usage.restore(checkpoint.usage);
      this.setState('warming');
      run.info.warmup = await warmUpRun(
        run,
        performance.now() - started,
        skipWarmupSteps,
        (phase, fraction, message) => this.emit({ type: 'warmup', phase, fraction, message }),
      );
      openScopes = 0;
      const scopeError = await device?.popErrorScope();
      const invalid = await device?.popErrorScope();
      if (scopeError)
        throw new EngineError('out-of-memory', `The GPU ran out of memory: ${scopeError.message}`);
      if (invalid) throw new EngineError('internal', `WebGPU refused the model: ${invalid.message}`);
    } catch (err) {
      for (; device && openScopes > 0; openScopes--) await device.popErrorScope().catch(() => null);
      this.dropRun();
      this.setState('unconfigured');
      if (err instanceof EngineError || !isOutOfMemory(err)) throw err;
      const message = `Out of memory while building the model (${(err as Error).message}).`;
      throw new EngineError(
        'out-of-memory',
        `${message} ${overCapMessage({ ...estimate, capBytes: estimate.totalBytes })}`,
      );
    }
    this.snapshots.reset(this.run.trainer.steps + 1);
    this.losses.reset(this.run.trainer.steps + 1, checkpoint?.losses ?? null);
    this.recall.reset(this.run.trainer.steps + 1, checkpoint?.recall ?? null);
    // The client can rebuild this state itself (from the config's seed, or the checkpoint it sent).
    this.lastCheckpointAt = performance.now();
    this.setState('paused');
    await this.snapshot(true);
    return this.modelInfo();
  }

  private dropRun(): void {
    if (this.trailingSnapshot) clearTimeout(this.trailingSnapshot);
    this.trailingSnapshot = null;
    if (this.run) disposeRun(this.run);
    this.run = null;
  }

  private modelInfo(): ModelInfo {
    const run = this.run!;
    return {
      ...run.info,
      config: { ...run.config },
      backend: this.backend!,
      corpus: corpusInfo(run.corpus, run.config.corpus),
      step: run.trainer.steps,
    };
  }

  private async setCorpus(source: CorpusSource): Promise<CorpusInfo> {
    const corpus = this.corpora.resolve(source);
    const run = this.run;
    if (run) checkCorpusFits(corpus, run.config.context);
    this.corpora.remember(corpus, source.kind);
    if (run) {
      run.corpus = corpus;
      run.config = { ...run.config, corpus: source.kind };
      run.sampler = createBatchSampler(corpus.train, run.config.batch, run.config.context, run.config.seed);
      run.validation = null;
      this.snapshots.latestEval = null;
    }
    return corpusInfo(corpus, source.kind);
  }

  private setOptions(changes: Partial<EngineOptions>): EngineOptions {
    const merged = mergeOptions(this.options, changes);
    if (!merged.ok) throw new EngineError('bad-command', `Invalid options: ${merged.problems.join('; ')}`);
    const before = this.options;
    this.options = merged.options;
    const run = this.run;
    if (run && before.evalBatches !== this.options.evalBatches) run.validation = null;
    if (run && before.usageHalfLife !== this.options.usageHalfLife) {
      // Counts under another half-life are not comparable: start over.
      run.usage.dispose();
      run.usage = new LiveUsage(usageLayouts(run.model), this.options.usageHalfLife);
    }
    return { ...this.options };
  }

  private status(): EngineStatus {
    const run = this.run;
    return {
      state: this.state,
      step: run?.trainer.steps ?? 0,
      backend: this.backend,
      config: run ? { ...run.config } : null,
      options: { ...this.options },
      corpus: run ? corpusInfo(run.corpus, run.config.corpus) : null,
      selection: this.selection,
      pace: this.pace,
      tfMemory: tfMemory(),
    };
  }

  // ------------------------------------------------------------------------------------------
  // Training

  private start(pace: TrainingPace): EngineStatus {
    this.pace = pace;
    this.setState(pace.kind === 'slow' ? 'slow' : 'running');
    if (!this.training) {
      this.training = true;
      this.trainingSince = performance.now();
      this.loop = this.trainLoop();
    }
    this.wakeLoop?.();
    return this.status();
  }

  private async stopTraining(): Promise<void> {
    this.training = false;
    this.wakeLoop?.();
    await this.loop;
  }

  private async trainLoop(): Promise<void> {
    try {
      while (this.training) {
        const began = performance.now();
        await this.exclusive(() => this.trainStep());
        if (!this.training) break;
        if (this.pace.kind === 'slow') {
          const sleep = interruptibleSleep(this.pace.intervalMs - (performance.now() - began));
          this.wakeLoop = sleep.wake;
          await sleep.done;
          this.wakeLoop = null;
        } else {
          await yieldToEvents();
        }
      }
    } finally {
      this.loop = null;
      if (!this.deviceLost && !this.closed && this.run) {
        if (this.state === 'running' || this.state === 'slow') this.setState('paused');
        await this.exclusive(async () => {
          // The last step's stats first, so the final snapshot carries its loss.
          if (this.run) await this.settle(this.run);
          await this.snapshot(true);
          await this.recoveryCheckpoint();
        }).catch((err) => {
          if (!this.reportedDivergence.has(err)) this.fault('internal', (err as Error).message, 'paused');
        });
      }
    }
  }

  /** One step under the lock; a fault stops training instead of throwing. */
  private async trainStep(): Promise<void> {
    const run = this.run;
    if (!run || !this.training) return;
    try {
      if (this.failNextStep) {
        this.failNextStep = false;
        throw new Error('debug fail-next-step: the step failed');
      }
      await this.stepOnce(run);
      await this.afterStep(run);
    } catch (err) {
      this.training = false;
      if (!this.deviceLost) await this.settleDeviceLoss();
      if (this.deviceLost) return;
      if (this.reportedDivergence.has(err as Error)) return;
      this.setState('faulted');
      if (err instanceof TrainingDivergedError) this.fault('diverged', err.message, 'paused');
      else if (isOutOfMemory(err)) this.fault('out-of-memory', toCommandError(err).message, 'paused');
      else this.fault('internal', `Training stopped: ${(err as Error).message}`, 'paused');
    }
  }

  /**
   * A lost GPU device fails the running step, often before `device.lost` resolves. Gives the
   * loss a moment to be reported, so the step's error is not taken for a fault of its own (which
   * would pause training that the client's restart is meant to resume).
   */
  private async settleDeviceLoss(): Promise<void> {
    const device = activeWebgpuDevice();
    if (!device) return;
    await Promise.race([device.lost, new Promise((resolve) => setTimeout(resolve, DEVICE_LOSS_GRACE_MS))]);
    // watchDevice's handler was attached first: one more turn lets it set deviceLost.
    await Promise.resolve();
  }

  /** Queues one step; records and returns the previous step's stats (one step late, or null). */
  private async stepOnce(run: Run): Promise<StepRecord | null> {
    return this.record(await stepRun(run));
  }

  /**
   * Reads the outstanding step's stats (see Trainer.flush) and records them. A step found
   * diverged faults the engine here, wherever the stats are read, and throws.
   */
  private async settle(run: Run): Promise<StepRecord | null> {
    try {
      return this.record(await run.trainer.flush());
    } catch (err) {
      if (err instanceof TrainingDivergedError) {
        this.training = false;
        this.setState('faulted');
        this.fault('diverged', err.message, 'paused');
        this.reportedDivergence.add(err);
      }
      throw err;
    }
  }

  /** Keeps a recall measurement for checkpoints and sends it with the next snapshot. */
  private recalled(point: RecallPoint): void {
    this.recall.add(point);
    this.snapshots.recordRecall(point);
  }

  /** What a checkpoint keeps of how the model got here. */
  private histories() {
    return { losses: this.losses.saved(), recall: this.recall.saved() };
  }

  private record(result: StepResult | null): StepRecord | null {
    if (!result) return null;
    this.snapshots.recordStep(result);
    this.losses.record(result.step, result.loss);
    return { step: result.step, loss: result.loss, lr: result.lr, gradNorm: result.gradNorm, ms: result.ms };
  }

  /** Periodic evaluation and recall, a throttled snapshot, a periodic recovery checkpoint. */
  private async afterStep(run: Run): Promise<void> {
    const step = run.trainer.steps;
    if (this.options.evalEvery > 0 && step % this.options.evalEvery === 0) {
      this.snapshots.latestEval = await evaluateRun(run, this.options.evalBatches, false);
    }
    // After the step is queued, as validation: its readback waits for that step, not inside it.
    if (this.options.recallEvery > 0 && step % this.options.recallEvery === 0) {
      const point = await measureRecall(run);
      if (point) this.recalled(point);
    }
    if (run.usage.pendingSteps >= MAX_PENDING_STEPS) await run.usage.flush();
    await this.snapshot(false);
    const every = this.options.checkpointEveryMs;
    if (this.training && every > 0 && performance.now() - this.lastCheckpointAt >= every) {
      await this.recoveryCheckpoint();
    }
  }

  private async steps(count: number): Promise<StepRecord[]> {
    if (this.training)
      throw new EngineError('invalid-state', 'training is running: pause it before single steps');
    const run = this.run!;
    if (this.state === 'faulted') this.setState('paused');
    const records: StepRecord[] = [];
    try {
      for (let i = 0; i < count; i++) {
        const previous = await this.stepOnce(run);
        if (previous) records.push(previous);
        await this.afterStep(run);
      }
      const last = await this.settle(run);
      if (last) records.push(last);
    } catch (err) {
      if (err instanceof TrainingDivergedError && !this.reportedDivergence.has(err)) {
        this.setState('faulted');
        this.fault('diverged', err.message, 'paused');
      }
      throw err;
    } finally {
      if (this.run === run) await this.snapshot(true);
    }
    await this.recoveryCheckpoint();
    return records;
  }

  /**
   * Sends a snapshot when `force`d or when the throttle allows; a throttled one is sent once the
   * window has passed even if no step follows (slow mode, a pause). Call under the lock.
   */
  private async snapshot(force: boolean): Promise<void> {
    const run = this.run;
    if (!run) return;
    const wait = this.snapshots.wait(this.options.snapshotHz);
    if (!force && wait > 0) {
      this.trailingSnapshot ??= setTimeout(() => {
        this.trailingSnapshot = null;
        void this.exclusive(() => this.snapshot(false)).catch(() => undefined);
      }, wait);
      return;
    }
    if (this.trailingSnapshot) clearTimeout(this.trailingSnapshot);
    this.trailingSnapshot = null;
    const { snapshot, transfer, dropSelection } = await this.snapshots.compose(
      run,
      {
        state: this.state,
        backend: this.backend!.backend,
        options: this.options,
        selection: this.selection,
        trainingSince: this.training ? this.trainingSince : null,
        time: performance.now() - this.startedAt,
      },
      force,
    );
    // A selection that no longer fits the model (e.g. after a new config) is dropped.
    if (dropSelection) this.selection = null;
    this.emit({ type: 'snapshot', snapshot }, transfer);
  }

  /** Sends the client a copy of the model to restart from, when it changed since the last one. */
  private async recoveryCheckpoint(): Promise<void> {
    const run = this.run;
    this.lastCheckpointAt = performance.now();
    if (!run || this.options.checkpointEveryMs === 0) return;
    await this.settle(run);
    if (run.checkpointStep === run.trainer.steps) return;
    const file = await runCheckpoint(run, this.histories());
    run.checkpointStep = file.step;
    this.emit({ type: 'checkpoint', checkpoint: file }, [file.bytes.buffer as ArrayBuffer]);
  }

  // ------------------------------------------------------------------------------------------
  // Tracing and generation

  private async select(selection: TokenSelection | null): Promise<TokenTrace | null> {
    if (selection === null) {
      this.selection = null;
      return null;
    }
    if (!this.run)
      throw new EngineError('invalid-state', 'select needs a model: send configure or loadCheckpoint first');
    const trace = await traceToken(this.run.model, this.run.capture, selection, this.run.trainer.steps);
    this.selection = { ...selection };
    this.snapshots.traced(trace);
    return trace;
  }

  private async generate(c: CommandOf<'generate'>, signal: AbortSignal) {
    const started = performance.now();
    const id = c.id ?? 0;
    let pending = '';
    let lastSent = started;
    const result = await generate(this.run!.model, {
      prompt: c.prompt,
      maxTokens: c.maxTokens,
      temperature: c.temperature,
      seed: c.seed ?? 1,
      signal,
      onToken: (_token, text) => {
        pending += text;
        if (pending && performance.now() - lastSent > 100) {
          this.emit({ type: 'generated', id, text: pending, done: false });
          pending = '';
          lastSent = performance.now();
        }
      },
    });
    this.emit({ type: 'generated', id, text: pending, done: true });
    if (signal.aborted) throw new EngineError('cancelled', 'the generation was cancelled');
    const value = { text: result.text, tokens: result.tokens, ms: performance.now() - started };
    return new WithTransfer(value, [result.tokens.buffer as ArrayBuffer]);
  }

  // ------------------------------------------------------------------------------------------
  // Debugging (tests)

  private async debug(action: CommandOf<'debug'>['action']): Promise<{ done: true }> {
    if (!this.allowDebug)
      throw new EngineError('invalid-state', 'debug commands are off (init with allowDebug)');
    if (action === 'lose-device') {
      const device = activeWebgpuDevice();
      if (!device)
        throw new EngineError(
          'invalid-state',
          `lose-device needs WebGPU (the backend is ${tf.getBackend()})`,
        );
      device.destroy();
    } else if (action === 'fail-next-step') {
      if (!this.run) throw new EngineError('invalid-state', 'fail-next-step needs a model');
      this.failNextStep = true;
    } else if (action === 'nan-next-step') {
      if (!this.run) throw new EngineError('invalid-state', 'nan-next-step needs a model');
      this.run.tap.nanNext = true;
    } else if (action === 'exit') {
      if (!this.host.exit) throw new EngineError('invalid-state', 'this host cannot exit on purpose');
      this.host.exit();
    } else {
      if (!this.host.crash) throw new EngineError('invalid-state', 'this host cannot crash on purpose');
      this.host.crash();
    }
    return { done: true };
  }
}
