/**
 * The engine: owns tfjs, the model, the trainer and the run's statistics; answers the protocol's
 * commands and emits its events. A plain class, so Node tests drive it directly; worker.ts is a
 * thin Comlink shell around it.
 *
 * Concurrency: everything that touches tfjs runs under one Mutex (a training step, a command),
 * so commands interleave between steps. pause/cancel/status only flip flags and never wait for it.
 */
import * as tf from '@tensorflow/tfjs';
import { type ModelConfig, validateConfig } from '../model/config';
import {
  type BatchSampler,
  checkCorpusFits,
  createBatchSampler,
  knowledgeTextCorpus,
  type TextCorpus,
  type TokenBatch,
  userTextCorpus,
  validationBatches,
} from '../model/corpus/dataset';
import { evaluate } from '../model/evaluate';
import { factRecall } from '../model/factRecall';
import { generate } from '../model/generate';
import { memoryMetrics } from '../model/metrics/memoryMetrics';
import { deriveSeed } from '../model/random';
import { createTrainer, type Trainer, TrainingDivergedError } from '../model/training/trainer';
import { createModel, type PkmModel } from '../model/transformer';
import { activeWebgpuDevice, type BackendFallback, chooseBackend } from './backend';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint';
import { memoryCoverage } from './coverage';
import { EngineError, isOutOfMemory, toCommandError } from './errors';
import { capturingMemoryFactory, InputCapture, TrainingTap, tapModel } from './instrument';
import { LiveUsage, MAX_PENDING_STEPS, usageBuffers } from './liveUsage';
import { estimateMemory, overCapMessage } from './memoryEstimate';
import { DEFAULT_ENGINE_OPTIONS, mergeOptions } from './options';
import {
  type BackendName,
  type BackendReport,
  type CheckpointFile,
  type CommandOf,
  type CommandType,
  type CorpusInfo,
  type CorpusSource,
  type EngineEvent,
  type EngineOptions,
  type EngineState,
  type EngineStatus,
  type EvalReport,
  type FaultKind,
  type ModelInfo,
  PROTOCOL_VERSION,
  type Reply,
  type ResultOf,
  type Snapshot,
  type StepRecord,
  type TfMemoryInfo,
  type TokenSelection,
  type TokenTrace,
  type TrainingPace,
  type WarmupPhase,
  type WarmupTimings,
} from './protocol';
import { interruptibleSleep, Mutex, yieldToEvents } from './scheduling';
import { traceToken } from './tokenTrace';
import { validateCommand } from './validate';
import { compileShapes, saveTrainingState, warmupSteps } from './warmup';

/** How the session reaches its host (the worker shell, or a test). */
export interface SessionHost {
  emit(event: EngineEvent, transfer: Transferable[]): void;
  /** Ends the host abruptly (debug 'crash'); absent where that is impossible. */
  crash?: () => void;
}

export interface HandledReply {
  reply: Reply<unknown>;
  transfer: Transferable[];
}

/** Real training steps run by the warm-up (then undone). */
export const WARMUP_STEPS = 2;
/** Fact-recall probes used by an `evaluate` request on the knowledge corpus. */
export const RECALL_PROBES = 256;

/** Everything that exists only while a model does. */
interface Run {
  config: ModelConfig;
  /** The model as built (its memories report their inputs to `capture`). */
  model: PkmModel;
  trainer: Trainer;
  capture: InputCapture;
  tap: TrainingTap;
  corpus: TextCorpus;
  sampler: BatchSampler;
  validation: TokenBatch[] | null;
  usage: LiveUsage;
  info: Omit<ModelInfo, 'step' | 'config' | 'corpus' | 'backend'>;
  /** Step of the last recovery checkpoint sent. */
  checkpointStep: number;
}

type Handler<K extends CommandType> = (
  command: CommandOf<K>,
) => Promise<ResultOf<K> | { value: ResultOf<K>; transfer: Transferable[] }>;

function withTransfer<T>(value: T, transfer: Transferable[]): { value: T; transfer: Transferable[] } {
  return { value, transfer };
}

export class EngineSession {
  private state: EngineState = 'starting';
  private options: EngineOptions = { ...DEFAULT_ENGINE_OPTIONS };
  private backend: BackendReport | null = null;
  private allowDebug = false;
  private deviceLost = false;
  private closed = false;
  /** Backends init was told not to use (they failed earlier), with why. */
  private avoid: BackendFallback[] = [];
  private userCorpus: TextCorpus | null = null;
  private knowledge: TextCorpus | null = null;
  private run: Run | null = null;
  private selection: TokenSelection | null = null;
  private pace: TrainingPace = { kind: 'fast' };
  private training = false;
  private loop: Promise<void> | null = null;
  private wakeLoop: (() => void) | null = null;
  private readonly lock = new Mutex();
  private readonly aborts = new Set<AbortController>();
  private readonly startedAt = performance.now();

  // What the next snapshot reports.
  private seq = 0;
  private losses: number[] = [];
  private lossStart = 1;
  private lastStep: { lr: number; gradNorm: number } = { lr: Number.NaN, gradNorm: Number.NaN };
  private stepsSinceSnapshot = 0;
  private stepMsSinceSnapshot = 0;
  private lastSnapshotAt = 0;
  private trailingSnapshot: ReturnType<typeof setTimeout> | null = null;
  private trainingSince = 0;
  private lastUsageAt = 0;
  private lastTraceAt = 0;
  private traceStep = -1;
  private latestEval: EvalReport | null = null;
  private lastCheckpointAt = 0;

  constructor(private readonly host: SessionHost) {}

  /** Answers one command; never throws. */
  async handle(command: unknown): Promise<HandledReply> {
    const problem = validateCommand(command);
    if (problem)
      return { reply: { ok: false, error: { kind: 'bad-command', message: problem } }, transfer: [] };
    const cmd = command as CommandOf<CommandType>;
    try {
      this.checkAllowed(cmd.type);
      const handler = this.handlers[cmd.type] as Handler<CommandType>;
      const out = await handler(cmd as never);
      if (out && typeof out === 'object' && 'transfer' in out && 'value' in out) {
        return { reply: { ok: true, value: out.value }, transfer: out.transfer };
      }
      return { reply: { ok: true, value: out }, transfer: [] };
    } catch (err) {
      return { reply: { ok: false, error: toCommandError(err) }, transfer: [] };
    }
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
    const needsModel: CommandType[] = [
      'reset',
      'start',
      'step',
      'evaluate',
      'trace',
      'generate',
      'saveCheckpoint',
    ];
    if (needsModel.includes(type) && !this.run) {
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
    evaluate: () => this.exclusive(() => this.abortable((signal) => this.evaluateNow(true, signal))),
    trace: (c) =>
      this.exclusive(() =>
        traceToken(
          this.run!.model,
          this.run!.capture,
          { ...c, layer: c.layer ?? null },
          this.run!.trainer.steps,
        ),
      ),
    select: (c) => this.exclusive(() => this.select(c.selection)),
    generate: (c) => this.exclusive(() => this.abortable((signal) => this.generate(c, signal))),
    saveCheckpoint: () =>
      this.exclusive(async () => {
        const file = await this.checkpoint();
        return withTransfer(file, [file.bytes.buffer as ArrayBuffer]);
      }),
    loadCheckpoint: async (c) => {
      await this.stopTraining();
      return this.exclusive(() => this.loadCheckpoint(c.bytes));
    },
    importMemory: (c) =>
      this.exclusive(() =>
        this.abortable(async (signal) => {
          const report = await memoryCoverage(c, signal);
          return withTransfer(report, [
            ...usageBuffers([
              {
                layer: 0,
                heads: 0,
                slots: 0,
                counts: report.counts,
                weights: report.weights,
                tokens: 0,
                halfLife: 0,
              },
            ]),
            report.dead.slots.buffer as ArrayBuffer,
          ]);
        }),
      ),
    cancel: async () => {
      const cancelled = this.aborts.size + (this.training ? 1 : 0);
      for (const a of this.aborts) a.abort();
      await this.stopTraining();
      return { cancelled };
    },
    status: async () => this.status(),
    debug: async (c) => this.debug(c.action),
  };

  /** Stops training, aborts long commands and frees the model; every later command is refused. */
  async dispose(): Promise<void> {
    this.closed = true;
    for (const a of this.aborts) a.abort();
    await this.stopTraining();
    await this.exclusive(async () => this.disposeRun());
  }

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
    this.emit({
      type: 'fault',
      fault: {
        kind,
        message,
        step: this.run?.trainer.steps ?? 0,
        backend: this.backend?.backend ?? null,
        recovery,
      },
    });
  }

  // ------------------------------------------------------------------------------------------
  // Backend

  private async init(c: CommandOf<'init'>) {
    if (this.run) this.disposeRun();
    this.allowDebug = c.allowDebug ?? false;
    this.avoid = (c.avoid ?? []).map((backend) => ({
      backend,
      reason: 'it failed earlier in this session (lost device or crash)',
    }));
    const requested = c.backend ?? 'auto';
    this.backend = await this.chooseBackend(requested, this.avoid);
    this.setState('unconfigured');
    return { protocol: PROTOCOL_VERSION, backend: this.backend, options: { ...this.options } };
  }

  private async chooseBackend(
    requested: BackendName | 'auto',
    avoid: BackendFallback[],
  ): Promise<BackendReport> {
    let choice: Awaited<ReturnType<typeof chooseBackend>>;
    try {
      choice = await chooseBackend(requested === 'auto' ? undefined : requested, undefined, avoid);
    } catch (err) {
      this.fault('backend-failed', (err as Error).message, 'none');
      throw new EngineError('internal', (err as Error).message);
    }
    const report: BackendReport = { ...choice, requested };
    this.watchDevice();
    this.emit({ type: 'backend', backend: report });
    return report;
  }

  /** Reports a lost WebGPU device (driver reset, or debug 'lose-device'). */
  private watchDevice(): void {
    const device = activeWebgpuDevice();
    if (!device) return;
    device.lost.then((info) => {
      if (tf.getBackend() !== 'webgpu') return;
      this.deviceLost = true;
      this.training = false;
      this.wakeLoop?.();
      for (const a of this.aborts) a.abort();
      this.state = 'faulted';
      this.emit({ type: 'state', state: 'faulted', reason: 'device lost' });
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
    if (c.options) this.setOptions(c.options);
    const checked = validateConfig(c.config as Record<string, unknown>);
    if (!checked.ok) {
      const lines = [
        ...checked.errors.map((e) => e.message),
        ...checked.unknown.map((k) => `unknown field "${k}"`),
      ];
      throw new EngineError('invalid-config', `Invalid config: ${lines.join('; ')}`, checked.errors);
    }
    return this.build(checked.config, null, c.skipWarmupSteps ?? false);
  }

  /** The generated knowledge corpus, made once. */
  private knowledgeCorpus(): TextCorpus {
    if (!this.knowledge) this.knowledge = knowledgeTextCorpus();
    return this.knowledge;
  }

  private corpusFor(config: ModelConfig): TextCorpus {
    let corpus: TextCorpus;
    if (config.corpus === 'user') {
      if (!this.userCorpus) {
        throw new EngineError(
          'corpus',
          'config.corpus is "user" but no text was given: send setCorpus with your text first',
        );
      }
      corpus = this.userCorpus;
    } else {
      corpus = this.knowledgeCorpus();
    }
    checkCorpusFits(corpus, config.context);
    return corpus;
  }

  /**
   * Builds a model for `config` (fresh from its seed, or from a checkpoint), warms it up and
   * leaves the engine paused. The memory estimate is checked before anything is allocated.
   */
  private async build(
    config: ModelConfig,
    checkpoint: ReturnType<typeof decodeCheckpoint> | null,
    skipWarmupSteps: boolean,
  ): Promise<ModelInfo> {
    const corpus = this.corpusFor(config);
    const estimate = estimateMemory(config, this.options.memoryCapBytes);
    if (estimate.totalBytes > estimate.capBytes)
      throw new EngineError('out-of-memory', overCapMessage(estimate));
    const wanted = config.backend;
    if (
      wanted !== 'auto' &&
      wanted !== this.backend!.backend &&
      !this.avoid.some((a) => a.backend === wanted)
    ) {
      this.disposeRun();
      this.backend = await this.chooseBackend(wanted, this.avoid);
    }
    this.disposeRun();
    this.resetStatistics();
    this.setState('building');
    const device = activeWebgpuDevice() as unknown as GPUDeviceScopes | null;
    device?.pushErrorScope('out-of-memory');
    let run: Run | null = null;
    try {
      const started = performance.now();
      this.progress('build', 0, 'building the model');
      const capture = new InputCapture();
      const model = createModel(config, {
        memoryFactory: capturingMemoryFactory(capture),
        ...(checkpoint ? { weights: checkpoint.weights } : {}),
      });
      const tap = new TrainingTap();
      const trainer = createTrainer(tapModel(model, tap), config);
      const sampler = createBatchSampler(corpus.train, config.batch, config.context, config.seed);
      run = {
        config,
        model,
        trainer,
        capture,
        tap,
        corpus,
        sampler,
        validation: null,
        usage: new LiveUsage(this.usageLayouts(model), this.options.usageHalfLife),
        info: {
          parameters: model.parameterCounts(),
          memory: estimate,
          warmup: { buildMs: 0, compileMs: 0, firstStepsMs: 0, steps: 0, totalMs: 0 },
          optimizerRestored: false,
        },
        checkpointStep: checkpoint?.step ?? 0,
      };
      this.run = run;
      if (checkpoint?.optimizer) {
        trainer.loadOptimizerState(checkpoint.optimizer);
        run.info.optimizerRestored = true;
      }
      if (checkpoint && checkpoint.samplerState !== null) sampler.state = checkpoint.samplerState;
      const buildMs = performance.now() - started;
      run.info.warmup = await this.warmUp(run, buildMs, skipWarmupSteps);
      const scopeError = await device?.popErrorScope();
      if (scopeError)
        throw new EngineError('out-of-memory', `The GPU ran out of memory: ${scopeError.message}`);
    } catch (err) {
      if (device) await device.popErrorScope().catch(() => null);
      this.disposeRun();
      this.setState('unconfigured');
      if (err instanceof EngineError) throw err;
      if (isOutOfMemory(err)) {
        throw new EngineError(
          'out-of-memory',
          `Out of memory while building the model (${(err as Error).message}). ${overCapMessage({ ...estimate, capBytes: estimate.totalBytes })}`,
        );
      }
      throw err;
    }
    this.lossStart = run.trainer.steps + 1;
    // The client can rebuild this state itself (config and seed, or the checkpoint it sent).
    this.lastCheckpointAt = performance.now();
    this.setState('paused');
    await this.snapshot(true);
    return this.modelInfo();
  }

  private usageLayouts(model: PkmModel) {
    return model.memories.map((m, i) => ({
      layer: model.memoryLayers[i],
      heads: m.spec.heads,
      knn: m.spec.knn,
      slots: m.spec.n_keys * m.spec.n_keys,
    }));
  }

  private progress(phase: WarmupPhase, fraction: number, message: string): void {
    this.emit({ type: 'warmup', phase, fraction, message });
  }

  private async warmUp(run: Run, buildMs: number, skipSteps: boolean): Promise<WarmupTimings> {
    this.setState('warming');
    this.progress('compile', 0.1, 'compiling shaders');
    const warmupSampler = createBatchSampler(
      run.corpus.train,
      run.config.batch,
      run.config.context,
      deriveSeed(run.config.seed, 'warmup'),
    );
    const compileMs = await compileShapes(run.model, warmupSampler.next());
    let firstStepsMs = 0;
    let steps = 0;
    if (!skipSteps) {
      this.progress('steps', 0.6, 'first training steps');
      const saved = await saveTrainingState(run.model, run.trainer);
      try {
        firstStepsMs = await warmupSteps(run.trainer, warmupSampler, WARMUP_STEPS, (done) => {
          steps = done;
          this.progress(
            'steps',
            0.6 + (0.35 * done) / WARMUP_STEPS,
            `first training steps (${done}/${WARMUP_STEPS})`,
          );
        });
      } catch (err) {
        // A diverging warm-up step says nothing about training: the state is restored below.
        if (!(err instanceof TrainingDivergedError)) throw err;
      } finally {
        run.tap.discard();
        run.model.loadWeights(saved.weights);
        run.trainer.dispose();
        run.trainer = createTrainer(tapModel(run.model, run.tap), run.config);
        if (saved.optimizer.step > 0) run.trainer.loadOptimizerState(saved.optimizer);
      }
    }
    this.progress('done', 1, 'ready');
    return { buildMs, compileMs, firstStepsMs, steps, totalMs: buildMs + compileMs + firstStepsMs };
  }

  private disposeRun(): void {
    const run = this.run;
    if (!run) return;
    this.run = null;
    run.tap.discard();
    run.usage.dispose();
    run.trainer.dispose();
    run.model.dispose();
  }

  private resetStatistics(): void {
    this.losses = [];
    this.lastStep = { lr: Number.NaN, gradNorm: Number.NaN };
    this.stepsSinceSnapshot = 0;
    this.stepMsSinceSnapshot = 0;
    this.latestEval = null;
    this.traceStep = -1;
    this.lastSnapshotAt = 0;
    this.lastUsageAt = 0;
    this.lastTraceAt = 0;
  }

  private modelInfo(): ModelInfo {
    const run = this.run!;
    return {
      ...run.info,
      config: { ...run.config },
      backend: this.backend!,
      corpus: this.corpusInfo(run.corpus, run.config.corpus),
      step: run.trainer.steps,
    };
  }

  private corpusInfo(corpus: TextCorpus, kind: 'knowledge' | 'user'): CorpusInfo {
    return {
      kind,
      name: corpus.name,
      trainBytes: corpus.train.length,
      validationBytes: corpus.validation.length,
      probes: corpus.probes?.length ?? 0,
    };
  }

  private async setCorpus(source: CorpusSource): Promise<CorpusInfo> {
    const corpus =
      source.kind === 'user' ? userTextCorpus(source.bytes.slice(), source.name) : this.knowledgeCorpus();
    const run = this.run;
    if (run) checkCorpusFits(corpus, run.config.context);
    if (source.kind === 'user') this.userCorpus = corpus;
    if (run) {
      run.corpus = corpus;
      run.config = { ...run.config, corpus: source.kind };
      run.sampler = createBatchSampler(corpus.train, run.config.batch, run.config.context, run.config.seed);
      run.validation = null;
      this.latestEval = null;
    }
    return this.corpusInfo(corpus, source.kind);
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
      run.usage = new LiveUsage(this.usageLayouts(run.model), this.options.usageHalfLife);
    }
    return { ...this.options };
  }

  // ------------------------------------------------------------------------------------------
  // Training

  private status(): EngineStatus {
    const run = this.run;
    return {
      state: this.state,
      step: run?.trainer.steps ?? 0,
      backend: this.backend,
      config: run ? { ...run.config } : null,
      options: { ...this.options },
      corpus: run ? this.corpusInfo(run.corpus, run.config.corpus) : null,
      selection: this.selection,
      pace: this.pace,
      tfMemory: tfMemory(),
    };
  }

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
      if (!this.deviceLost && this.run) {
        if (this.state === 'running' || this.state === 'slow') this.setState('paused');
        await this.exclusive(async () => {
          if (!this.run) return;
          await this.snapshot(true);
          await this.recoveryCheckpoint();
        }).catch((err) => this.fault('internal', (err as Error).message, 'paused'));
      }
    }
  }

  /** One step under the lock; a fault stops training instead of throwing. */
  private async trainStep(): Promise<void> {
    const run = this.run;
    if (!run || !this.training) return;
    try {
      await this.stepOnce(run);
      await this.periodicWork(run);
    } catch (err) {
      this.training = false;
      if (this.deviceLost) return;
      this.setState('faulted');
      if (err instanceof TrainingDivergedError) {
        this.fault('diverged', err.message, 'paused');
      } else if (isOutOfMemory(err)) {
        this.fault('out-of-memory', toCommandError(err).message, 'paused');
      } else {
        this.fault('internal', `Training stopped: ${(err as Error).message}`, 'paused');
      }
    }
  }

  private async stepOnce(run: Run): Promise<StepRecord> {
    let result: Awaited<ReturnType<Trainer['step']>>;
    try {
      result = await run.trainer.step(run.sampler.next());
    } catch (err) {
      run.tap.discard();
      throw err;
    }
    const reads = run.tap.take();
    if (reads) run.usage.add(reads);
    if (this.losses.length === 0) this.lossStart = result.step;
    this.losses.push(result.loss);
    this.lastStep = { lr: result.lr, gradNorm: result.gradNorm };
    this.stepsSinceSnapshot++;
    this.stepMsSinceSnapshot += result.ms;
    return { step: result.step, loss: result.loss, lr: result.lr, gradNorm: result.gradNorm, ms: result.ms };
  }

  /** After a step: periodic evaluation, a throttled snapshot, a periodic recovery checkpoint. */
  private async periodicWork(run: Run): Promise<void> {
    const step = run.trainer.steps;
    if (this.options.evalEvery > 0 && step % this.options.evalEvery === 0) await this.evaluateNow(false);
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
        records.push(await this.stepOnce(run));
        if (i < count - 1) await this.periodicWork(run);
      }
      const step = run.trainer.steps;
      if (this.options.evalEvery > 0 && step % this.options.evalEvery === 0) await this.evaluateNow(false);
    } catch (err) {
      if (err instanceof TrainingDivergedError) {
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

  // ------------------------------------------------------------------------------------------
  // Evaluation, tracing, generation

  private async evaluateNow(withRecall: boolean, signal?: AbortSignal): Promise<EvalReport> {
    const run = this.run!;
    const started = performance.now();
    run.validation ??= validationBatches(
      run.corpus.validation,
      run.config.batch,
      run.config.context,
      this.options.evalBatches,
    );
    const result = await evaluate(run.model, run.validation, { collectReads: true });
    const memories = result.memories.map((m) => ({
      layer: m.layer,
      metrics: memoryMetrics(m.slots, m.weights, { slots: m.slotCount, heads: m.heads, knn: m.knn }),
    }));
    const report: EvalReport = {
      step: run.trainer.steps,
      loss: result.loss,
      perplexity: result.perplexity,
      bitsPerByte: result.bitsPerByte,
      tokens: result.tokens,
      memories,
      ms: 0,
    };
    if (withRecall && run.corpus.probes && run.corpus.probes.length > 0) {
      if (signal?.aborted) throw new EngineError('cancelled', 'the evaluation was cancelled');
      report.recall = await factRecall(run.model, run.corpus.probes.slice(0, RECALL_PROBES));
    }
    report.ms = performance.now() - started;
    this.latestEval = report;
    return report;
  }

  private async select(selection: TokenSelection | null): Promise<TokenTrace | null> {
    if (selection === null) {
      this.selection = null;
      return null;
    }
    if (!this.run) {
      throw new EngineError('invalid-state', 'select needs a model: send configure or loadCheckpoint first');
    }
    const trace = await traceToken(this.run.model, this.run.capture, selection, this.run.trainer.steps);
    this.selection = { ...selection };
    this.traceStep = trace.step;
    this.lastTraceAt = performance.now();
    return trace;
  }

  private async generate(c: CommandOf<'generate'>, signal: AbortSignal) {
    const run = this.run!;
    const started = performance.now();
    const id = c.id ?? 0;
    let pending = '';
    let lastSent = performance.now();
    const result = await generate(run.model, {
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
    return withTransfer({ text: result.text, tokens: result.tokens, ms: performance.now() - started }, [
      result.tokens.buffer as ArrayBuffer,
    ]);
  }

  // ------------------------------------------------------------------------------------------
  // Snapshots and checkpoints

  /** Sends a snapshot when `force`d or when the throttle allows. Call under the lock. */
  private async snapshot(force: boolean): Promise<void> {
    const run = this.run;
    if (!run) return;
    const now = performance.now();
    const wait = this.lastSnapshotAt + 1000 / this.options.snapshotHz - now;
    if (!force && wait > 0) {
      // Throttled: make sure these steps are still shown once the window has passed, even if no
      // step follows (slow mode, or a pause between steps).
      if (!this.trailingSnapshot) {
        this.trailingSnapshot = setTimeout(() => {
          this.trailingSnapshot = null;
          void this.exclusive(() => this.snapshot(false)).catch(() => undefined);
        }, wait);
      }
      return;
    }
    if (this.trailingSnapshot) {
      clearTimeout(this.trailingSnapshot);
      this.trailingSnapshot = null;
    }
    // Reading the pending training reads back at every snapshot keeps the device-side queue (and
    // numTensors) flat; only sending the maps is throttled further.
    await run.usage.flush();
    let usage = null;
    if (force || now - this.lastUsageAt >= 1000 / this.options.usageHz) {
      usage = run.usage.maps();
      this.lastUsageAt = now;
    }
    const step = run.trainer.steps;
    let trace: TokenTrace | null = null;
    if (
      this.selection &&
      this.traceStep !== step &&
      (force || now - this.lastTraceAt >= 1000 / this.options.traceHz)
    ) {
      try {
        trace = await traceToken(run.model, run.capture, this.selection, step);
        this.traceStep = step;
        this.lastTraceAt = now;
      } catch (err) {
        // A selection that no longer fits the model (e.g. after a new config) is dropped.
        if (!(err instanceof EngineError)) throw err;
        this.selection = null;
      }
    }
    const since = Math.max(this.lastSnapshotAt, this.trainingSince);
    const elapsed = (performance.now() - since) / 1000;
    const steps = this.stepsSinceSnapshot;
    const measured = this.training && steps > 0 && elapsed > 0;
    const losses = Float32Array.from(this.losses);
    const snapshot: Snapshot = {
      seq: ++this.seq,
      state: this.state,
      step,
      lossStart: this.losses.length > 0 ? this.lossStart : step + 1,
      losses,
      lr: this.lastStep.lr,
      gradNorm: this.lastStep.gradNorm,
      eval: this.latestEval,
      stepsPerSec: measured ? steps / elapsed : 0,
      tokensPerSec: measured ? (steps * run.config.batch * run.config.context) / elapsed : 0,
      stepMs: steps > 0 ? this.stepMsSinceSnapshot / steps : 0,
      trace,
      usage,
      tfMemory: tfMemory(),
      backend: this.backend!.backend,
      time: performance.now() - this.startedAt,
    };
    this.losses = [];
    this.stepsSinceSnapshot = 0;
    this.stepMsSinceSnapshot = 0;
    this.lastSnapshotAt = performance.now();
    this.emit({ type: 'snapshot', snapshot }, [losses.buffer, ...usageBuffers(usage)]);
  }

  private async checkpoint(): Promise<CheckpointFile> {
    const run = this.run!;
    const step = run.trainer.steps;
    const bytes = encodeCheckpoint({
      config: run.config,
      weights: await run.model.readWeights(),
      optimizer: await run.trainer.readOptimizerState(),
      step,
      samplerState: run.sampler.state,
    });
    return { bytes, step, config: { ...run.config }, name: `pkm-step-${step}.safetensors` };
  }

  /** Sends the client a copy of the model to restart from, when it changed since the last one. */
  private async recoveryCheckpoint(): Promise<void> {
    const run = this.run;
    this.lastCheckpointAt = performance.now();
    if (!run || this.options.checkpointEveryMs === 0 || run.checkpointStep === run.trainer.steps) return;
    const file = await this.checkpoint();
    run.checkpointStep = file.step;
    this.emit({ type: 'checkpoint', checkpoint: file }, [file.bytes.buffer as ArrayBuffer]);
  }

  private async loadCheckpoint(bytes: Uint8Array): Promise<ModelInfo> {
    const contents = decodeCheckpoint(bytes);
    const info = await this.build(contents.config, contents, false);
    return info;
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
    } else if (action === 'nan-next-step') {
      if (!this.run) throw new EngineError('invalid-state', 'nan-next-step needs a model');
      this.run.tap.nanNext = true;
    } else {
      if (!this.host.crash) throw new EngineError('invalid-state', 'this host cannot crash on purpose');
      this.host.crash();
    }
    return { done: true };
  }
}

interface GPUDeviceScopes {
  pushErrorScope(filter: 'out-of-memory'): void;
  popErrorScope(): Promise<{ message: string } | null>;
}

function tfMemory(): TfMemoryInfo {
  const m = tf.memory();
  return {
    numTensors: m.numTensors,
    numBytes: m.numBytes,
    numDataBuffers: m.numDataBuffers,
    unreliable: Boolean(m.unreliable),
  };
}
