/**
 * The engine: owns tfjs and the current model run, answers the protocol's commands and emits its
 * events. A plain class, so Node tests drive it directly; serve.ts puts it behind Comlink. This
 * file checks and dispatches commands; the session's parts live in session/: the shared state
 * (core), the backend, the model's lifecycle, training, run records and the updates sent unasked.
 *
 * Concurrency: everything that touches tfjs runs under one Mutex (a training step, a command), so
 * commands interleave between steps. pause/cancel/status only flip flags and never wait for it.
 */
import * as tf from '@tensorflow/tfjs';
import { generate } from '../model/generate';
import { activeWebgpuDevice } from './backend';
import { decodeCheckpoint } from './checkpoint';
import { memoryCoverage } from './coverage';
import { EngineError, toCommandError } from './errors';
import { readFacts } from './factReads';
import {
  type CommandOf,
  type CommandType,
  PROTOCOL_VERSION,
  type Reply,
  type ResultOf,
  type TokenSelection,
  type TokenTrace,
} from './protocol';
import { evaluateRun, type Run, runCheckpoint } from './run';
import { SessionBackend } from './session/backend';
import { SessionCore, type SessionHost } from './session/core';
import { ModelLifecycle } from './session/model';
import { RunRecords } from './session/records';
import { TrainingLoop } from './session/training';
import { UpdateSender } from './session/updates';
import { readTextReads } from './textReads';
import { traceToken } from './tokenTrace';
import { validateCommand } from './validate';

export type { SessionHost } from './session/core';

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

export class EngineSession {
  private readonly core: SessionCore;
  private readonly backends: SessionBackend;
  private readonly records: RunRecords;
  private readonly updates: UpdateSender;
  private readonly model: ModelLifecycle;
  private readonly training: TrainingLoop;
  private allowDebug = false;

  constructor(private readonly host: SessionHost) {
    this.core = new SessionCore(host);
    this.backends = new SessionBackend(this.core);
    this.records = new RunRecords(this.core);
    this.updates = new UpdateSender(this.core, this.records);
    this.model = new ModelLifecycle(this.core, this.backends, this.records, this.updates);
    this.training = new TrainingLoop(this.core, this.records, this.updates);
  }

  /** The current model run (the core holds it; tests reach it here). */
  private get run(): Run | null {
    return this.core.run;
  }

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
    this.core.closed = true;
    for (const a of this.core.aborts) a.abort();
    await this.training.stop();
    await this.exclusive(async () => this.model.drop());
  }

  private checkAllowed(type: CommandType): void {
    const core = this.core;
    if (core.closed) throw new EngineError('invalid-state', 'the engine was shut down');
    if (type === 'status' || type === 'cancel' || type === 'pause') return;
    if (core.deviceLost) {
      throw new EngineError(
        'invalid-state',
        'the GPU device was lost: the engine is restarting on another backend',
      );
    }
    if (type === 'init') return;
    if (!core.backend) throw new EngineError('invalid-state', 'the engine has not started: send init first');
    if (NEEDS_MODEL.includes(type) && !core.run) {
      throw new EngineError('invalid-state', `${type} needs a model: send configure or loadCheckpoint first`);
    }
  }

  private readonly handlers: { [K in CommandType]: Handler<K> } = {
    init: (c) => this.exclusive(() => this.init(c)),
    configure: async (c) => {
      await this.training.stop();
      return this.exclusive(() => this.model.configure(c));
    },
    reset: async (c) => {
      await this.training.stop();
      return this.exclusive(() => {
        const config = { ...this.run!.config, ...(c.seed !== undefined ? { seed: c.seed } : {}) };
        return this.model.build(config, null, false);
      });
    },
    setCorpus: (c) => this.exclusive(() => this.model.setCorpus(c.corpus)),
    setOptions: async (c) => this.model.setOptions(c.options),
    start: async (c) => this.training.start(c.pace ?? { kind: 'fast' }),
    pause: async () => {
      await this.training.stop();
      return this.core.status();
    },
    step: (c) => this.exclusive(() => this.training.steps(c.count ?? 1)),
    evaluate: (c) =>
      this.exclusive(() =>
        this.abortable(async (signal) => {
          const report = await evaluateRun(
            this.run!,
            this.core.options.evalBatches,
            c.recall ?? true,
            signal,
          );
          this.core.snapshots.latestEval = report;
          if (report.recall) this.records.recalled({ step: report.step, ...report.recall });
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
        await this.records.settle(this.run!);
        const file = await runCheckpoint(this.run!, this.records.histories());
        return new WithTransfer(file, [file.bytes.buffer as ArrayBuffer]);
      }),
    loadCheckpoint: async (c) => {
      await this.training.stop();
      return this.exclusive(() => {
        const contents = decodeCheckpoint(c.bytes);
        const config = c.backend ? { ...contents.config, backend: c.backend } : contents.config;
        return this.model.build(config, contents, false);
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
      const cancelled = this.core.aborts.size + (this.core.training ? 1 : 0);
      for (const a of this.core.aborts) a.abort();
      await this.training.stop();
      return { cancelled };
    },
    status: async () => this.core.status(),
    debug: async (c) => this.debug(c.action),
  };

  private exclusive<T>(section: () => Promise<T>): Promise<T> {
    return this.core.exclusive(section);
  }

  private abortable<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    return this.core.abortable(work);
  }

  private async init(c: CommandOf<'init'>) {
    this.model.drop();
    this.allowDebug = c.allowDebug ?? false;
    this.core.backend = await this.backends.start(c.backend ?? 'auto', c.avoid ?? []);
    this.core.setState('unconfigured');
    return { protocol: PROTOCOL_VERSION, backend: this.core.backend, options: { ...this.core.options } };
  }

  // ------------------------------------------------------------------------------------------
  // Tracing and generation

  private async select(selection: TokenSelection | null): Promise<TokenTrace | null> {
    if (selection === null) {
      this.core.selection = null;
      return null;
    }
    const run = this.run;
    if (!run)
      throw new EngineError('invalid-state', 'select needs a model: send configure or loadCheckpoint first');
    const trace = await traceToken(run.model, run.capture, selection, run.trainer.steps);
    this.core.selection = { ...selection };
    this.core.snapshots.traced(trace);
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
          this.core.emit({ type: 'generated', id, text: pending, done: false });
          pending = '';
          lastSent = performance.now();
        }
      },
    });
    this.core.emit({ type: 'generated', id, text: pending, done: true });
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
      this.training.failNextStep = true;
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
