/**
 * The session's model lifecycle: validating a config, building a run (fresh or from a checkpoint)
 * under the memory cap and WebGPU error scopes, dropping it, and the settings a run depends on
 * (corpus, engine options). Apart from training, which only uses the run this builds.
 */
import { type ModelConfig, validateConfig } from '../../model/config';
import { checkCorpusFits, createBatchSampler } from '../../model/corpus/dataset';
import { activeWebgpuDevice } from '../backend';
import type { CheckpointContents } from '../checkpoint';
import { Corpora, corpusInfo } from '../corpora';
import { webgpuLimitProblem } from '../deviceLimits';
import { EngineError, isOutOfMemory } from '../errors';
import { LiveUsage } from '../liveUsage';
import { estimateMemory, overCapMessage } from '../memoryEstimate';
import { mergeOptions } from '../options';
import type { CommandOf } from '../protocol/commands';
import type { CorpusInfo, CorpusSource, ModelInfo } from '../protocol/model';
import type { EngineOptions } from '../protocol/state';
import { createRun, disposeRun, usageLayouts, warmUpRun } from '../run';
import type { SessionBackend } from './backend';
import type { SessionCore } from './core';
import type { RunRecords } from './records';
import type { UpdateSender } from './updates';

interface GpuErrorScopes {
  pushErrorScope(filter: 'out-of-memory' | 'validation'): void;
  popErrorScope(): Promise<{ message: string } | null>;
}

export class ModelLifecycle {
  private readonly corpora = new Corpora();

  constructor(
    private readonly core: SessionCore,
    private readonly backend: SessionBackend,
    private readonly records: RunRecords,
    private readonly updates: UpdateSender,
  ) {}

  async configure(c: CommandOf<'configure'>): Promise<ModelInfo> {
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
  async build(
    config: ModelConfig,
    checkpoint: CheckpointContents | null,
    skipWarmupSteps: boolean,
  ): Promise<ModelInfo> {
    const core = this.core;
    const corpus = this.corpora.forConfig(config);
    const estimate = estimateMemory(config, core.options.memoryCapBytes);
    if (estimate.totalBytes > estimate.capBytes)
      throw new EngineError('out-of-memory', overCapMessage(estimate));
    this.drop();
    const wanted = config.backend;
    // A checkpoint's backend is where it was made, not a request: loading it never switches.
    if (!checkpoint && wanted !== 'auto' && wanted !== core.backend!.backend) {
      core.backend = await this.backend.switchTo(wanted);
    }
    const overLimit = webgpuLimitProblem(config);
    if (overLimit) throw new EngineError('out-of-memory', overLimit);
    core.setState('building');
    core.emit({ type: 'warmup', phase: 'build', fraction: 0, message: 'building the model' });
    const device = activeWebgpuDevice() as unknown as GpuErrorScopes | null;
    // Validation errors (e.g. a buffer over a device limit) would otherwise only be logged.
    device?.pushErrorScope('validation');
    device?.pushErrorScope('out-of-memory');
    let openScopes = device ? 2 : 0;
    try {
      const started = performance.now();
      const run = createRun(config, corpus, checkpoint, estimate, core.options.usageHalfLife);
      core.run = run;
      // A loaded run goes on counting usage from where it was (warm-up's reads are discarded).
      if (checkpoint?.usage) run.usage.restore(checkpoint.usage);
      core.setState('warming');
      run.info.warmup = await warmUpRun(
        run,
        performance.now() - started,
        skipWarmupSteps,
        (phase, fraction, message) => core.emit({ type: 'warmup', phase, fraction, message }),
      );
      openScopes = 0;
      const scopeError = await device?.popErrorScope();
      const invalid = await device?.popErrorScope();
      if (scopeError)
        throw new EngineError('out-of-memory', `The GPU ran out of memory: ${scopeError.message}`);
      if (invalid) throw new EngineError('internal', `WebGPU refused the model: ${invalid.message}`);
    } catch (err) {
      for (; device && openScopes > 0; openScopes--) await device.popErrorScope().catch(() => null);
      this.drop();
      core.setState('unconfigured');
      if (err instanceof EngineError || !isOutOfMemory(err)) throw err;
      const message = `Out of memory while building the model (${(err as Error).message}).`;
      throw new EngineError(
        'out-of-memory',
        `${message} ${overCapMessage({ ...estimate, capBytes: estimate.totalBytes })}`,
      );
    }
    core.snapshots.reset(core.run.trainer.steps + 1);
    this.records.reset(core.run.trainer.steps + 1, checkpoint);
    // The client can rebuild this state itself (from the config's seed, or the checkpoint it sent).
    this.updates.lastCheckpointAt = performance.now();
    core.setState('paused');
    await this.updates.snapshot(true);
    return this.modelInfo();
  }

  /** Frees the current run, if any (and a snapshot of it the throttle held back). */
  drop(): void {
    this.updates.cancelTrailingSnapshot();
    if (this.core.run) disposeRun(this.core.run);
    this.core.run = null;
  }

  private modelInfo(): ModelInfo {
    const run = this.core.run!;
    return {
      ...run.info,
      config: { ...run.config },
      backend: this.core.backend!,
      corpus: corpusInfo(run.corpus, run.config.corpus),
      step: run.trainer.steps,
    };
  }

  async setCorpus(source: CorpusSource): Promise<CorpusInfo> {
    const corpus = this.corpora.resolve(source);
    const run = this.core.run;
    if (run) checkCorpusFits(corpus, run.config.context);
    this.corpora.remember(corpus, source.kind);
    if (run) {
      run.corpus = corpus;
      run.config = { ...run.config, corpus: source.kind };
      run.sampler = createBatchSampler(corpus.train, run.config.batch, run.config.context, run.config.seed);
      run.validation = null;
      this.core.snapshots.latestEval = null;
    }
    return corpusInfo(corpus, source.kind);
  }

  setOptions(changes: Partial<EngineOptions>): EngineOptions {
    const core = this.core;
    const merged = mergeOptions(core.options, changes);
    if (!merged.ok) throw new EngineError('bad-command', `Invalid options: ${merged.problems.join('; ')}`);
    const before = core.options;
    core.options = merged.options;
    const run = core.run;
    if (run && before.evalBatches !== core.options.evalBatches) run.validation = null;
    if (run && before.usageHalfLife !== core.options.usageHalfLife) {
      // Counts under another half-life are not comparable: start over.
      run.usage.dispose();
      run.usage = new LiveUsage(usageLayouts(run.model), core.options.usageHalfLife);
    }
    return { ...core.options };
  }
}
