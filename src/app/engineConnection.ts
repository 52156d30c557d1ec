/**
 * The one place where the engine meets the stores: engine events go into the stores, and the UI's
 * actions (train, step, reset, apply a config, pick a token) become engine commands. Components
 * never talk to the engine; they read stores and call these actions through useEngine().
 */
import type {
  BackendName,
  CommandError,
  CommandOf,
  CommandType,
  ConfigureArgs,
  EngineEvent,
  EngineListener,
  EngineOptions,
  FactReads,
  ResultOf,
  TextReads as TextReadsResult,
  TokenSelection,
  TokenTrace,
  TrainingPace,
} from '../engine/protocol';
import type { ModelConfig } from '../model/config';
import { useConfigStore } from '../state/configStore';
import { isTraining, modelReady, useEngineStore } from '../state/engineStore';
import { useInspectionStore } from '../state/inspectionStore';
import { emptyRunData } from '../state/runData';
import { useRunDataStore } from '../state/runDataStore';
import { dropLayerWithoutMemory, layerForModel, useSelectionStore } from '../state/selectionStore';
import { useUiStore } from '../state/uiStore';
import type { EngineLink, EngineLinkFactory } from './engineLink';
import { cancelInspectionScan } from './inspectionScan';
import { keepBeforeReset, offerUndo } from './keepWork/resetUndo';
import { buildLiveModel } from './precomputed/continueRun';
import { matchesPrecomputed, precomputedLossRun } from './precomputed/precomputed';
import { showPrecomputed } from './precomputed/showPrecomputed';

export interface EngineConnectionOptions {
  /** Accept debug commands (tests: ?debug in the page URL). */
  allowDebug?: boolean;
  /** Engine options for every model, e.g. a faster validation cadence in tests. */
  engineOptions?: ConfigureArgs['options'];
}

export class EngineConnection {
  private disposed = false;
  private link: EngineLink | null = null;
  private selectTimer: ReturnType<typeof setTimeout> | null = null;
  private selectSeq = 0;
  private unsubscribe: (() => void)[] = [];
  /** A backend switch is rebuilding the model: its interim snapshots are not the user's run. */
  private switching = false;
  /** Set once init answered: commands before that would fail. */
  private ready: Promise<void> | null = null;
  /** Extra listeners of every engine event (the lab's features: generated text, snapshots). */
  private readonly listeners = new Set<EngineListener>();

  constructor(
    private readonly createLink: EngineLinkFactory,
    private readonly options: EngineConnectionOptions = {},
  ) {}

  /** The engine, once started (commands before that wait for it; after a failed start they fail). */
  private async engine(): Promise<EngineLink> {
    await this.ready;
    if (!this.link) throw new Error('the engine has not started');
    return this.link;
  }

  /** Starts the engine (worker, backend) and builds the model of the current config. */
  start(): Promise<void> {
    // A new token, text or layer: trace it (debounced: typing must not flood the worker).
    this.unsubscribe.push(
      useSelectionStore.subscribe((s, prev) => {
        if (s.text !== prev.text || s.position !== prev.position || s.layer !== prev.layer)
          this.scheduleSelect();
      }),
    );
    // A config whose memory sits elsewhere (a lab link, the hash edited): the selection follows at once.
    this.unsubscribe.push(useConfigStore.subscribe((s) => dropLayerWithoutMemory(s.config.mem_layers)));
    const config = useConfigStore.getState().config;
    dropLayerWithoutMemory(config.mem_layers);
    this.ready = this.createLink({
      backend: config.backend,
      allowDebug: this.options.allowDebug ?? false,
    }).then((link) => {
      if (this.disposed) {
        link.terminate();
        return;
      }
      this.link = link;
      this.unsubscribe.push(link.subscribe((e) => this.onEvent(e)));
      useEngineStore.setState({ backend: link.backend, startError: null });
    });
    return this.ready.then(
      async () => {
        await this.configure(config);
      },
      (err: unknown) => {
        useEngineStore.getState().setStartError((err as Error).message);
        useEngineStore.setState({ state: 'faulted' });
      },
    );
  }

  private onEvent(e: EngineEvent): void {
    if (this.disposed) return;
    for (const listener of this.listeners) listener(e);
    useEngineStore.getState().event(e);
    if (e.type === 'snapshot') {
      if (this.switching) return;
      const data = useRunDataStore.getState().data;
      // The precomputed figures stay until the live model has finished warming up.
      if (data.source !== 'live' && (e.snapshot.state === 'building' || e.snapshot.state === 'warming'))
        return;
      useRunDataStore.getState().snapshot(e.snapshot);
    }
    if (e.type === 'fault' && e.fault.recovery === 'restarted') {
      // A lost device moved the engine off the backend the config forced: the URL says where it runs.
      const forced = useConfigStore.getState().config.backend;
      const running = this.link?.backend?.backend;
      if (running && forced !== 'auto' && forced !== running)
        useConfigStore.getState().update({ backend: running });
      // A new worker after a crash or a lost device: show the picked byte's trace again.
      void this.select();
    }
  }

  /** Starts a new engine worker (the fault banner's action after restarts gave up). */
  async restartEngine(): Promise<void> {
    await this.run('restart', async () => {
      const link = await this.engine();
      if (link.restart) await link.restart();
    });
  }

  /** Whether init succeeded (waits for it). */
  private async started(): Promise<boolean> {
    try {
      await this.ready;
      return this.link !== null;
    } catch {
      return false;
    }
  }

  /**
   * Runs a command; an error reply becomes the visible problem (and null). Quiet commands (traces
   * for the figures) only log it: their figure shows that nothing came back.
   */
  private async run<T>(command: string, job: () => Promise<T>, quiet = false): Promise<T | null> {
    try {
      const value = await job();
      const problem = useEngineStore.getState().problem;
      if (problem?.command === command) useEngineStore.getState().setProblem(null);
      return value;
    } catch (err) {
      if (this.disposed) return null;
      const e = err as Error & Partial<CommandError>;
      if (quiet) {
        console.warn(`engine ${command}: ${e.message}`);
        return null;
      }
      useEngineStore.getState().setProblem({
        command,
        kind: e.kind ?? 'internal',
        message: e.message,
        configErrors: e.configErrors,
      });
      return null;
    }
  }

  /** Builds a fresh model for `config` (keeps the precomputed figures while it warms up, when they match). */
  async configure(config: ModelConfig = useConfigStore.getState().config): Promise<boolean> {
    // No engine (it failed to start; the notice says why): the figures keep what they show.
    if (!(await this.started())) return false;
    // While it builds and warms up, the figures show the precomputed run when it is this model's.
    if (matchesPrecomputed(config)) {
      if (useRunDataStore.getState().data.source !== 'precomputed') showPrecomputed();
    } else {
      useRunDataStore.getState().replace(emptyRunData('none'), null);
    }
    useEngineStore.setState({ model: null, fault: null });
    cancelInspectionScan();
    const built = await this.run('configure', async () =>
      buildLiveModel(await this.engine(), config, this.options.engineOptions),
    );
    if (!built) return false;
    const { info } = built;
    // A layer picked for another model may hold no memory in this one: show the first memory layer.
    dropLayerWithoutMemory(info.config.mem_layers);
    useEngineStore.getState().modelReady(info);
    useInspectionStore.getState().clear();
    // The live model takes over (continuing the precomputed run where it is that run's model).
    useRunDataStore.getState().replace(built.data, built.reference);
    await this.select();
    return true;
  }

  /** Validates and applies a config (the URL follows), then rebuilds the model. */
  async apply(patch: Partial<ModelConfig>): Promise<string[]> {
    const errors = useConfigStore.getState().update(patch);
    if (errors.length > 0) return errors;
    await this.configure(useConfigStore.getState().config);
    return [];
  }

  private pace(): TrainingPace {
    const { slow, slowMs } = useUiStore.getState();
    return slow ? { kind: 'slow', intervalMs: slowMs } : { kind: 'fast' };
  }

  async train(): Promise<void> {
    const pace = this.pace();
    const status = await this.run('start', async () =>
      (await this.engine()).request({ type: 'start', pace }),
    );
    if (status) useEngineStore.setState({ state: status.state, pace: status.pace });
  }

  async pause(): Promise<void> {
    const status = await this.run('pause', async () => (await this.engine()).request({ type: 'pause' }));
    if (status) useEngineStore.setState({ state: status.state });
  }

  /** Train when paused, pause when training (the space key and the Train button). */
  async toggle(): Promise<void> {
    const state = useEngineStore.getState().state;
    if (isTraining(state)) await this.pause();
    else if (modelReady(state)) await this.train();
  }

  async step(count = 1): Promise<void> {
    if (isTraining(useEngineStore.getState().state)) await this.pause();
    await this.run('step', async () => (await this.engine()).request({ type: 'step', count }));
  }

  /** Slow mode on or off (or a new interval); applied at once while training. */
  async setSlow(slow: boolean, slowMs?: number): Promise<void> {
    useUiStore.getState().setSlow(slow, slowMs);
    if (isTraining(useEngineStore.getState().state)) await this.train();
  }

  /**
   * Moves the engine to another backend keeping the model: its weights and optimiser state (a
   * checkpoint), its step, and the figures' history. The config (and the URL) take the backend as
   * a forced choice, as the lab's backend setting does; training resumes if it was running.
   */
  async switchBackend(backend: BackendName): Promise<boolean> {
    if (!(await this.started())) return false;
    const wasTraining = isTraining(useEngineStore.getState().state);
    if (wasTraining) await this.pause();
    const previous = useConfigStore.getState().config.backend;
    const errors = useConfigStore.getState().update({ backend });
    if (errors.length > 0) return false;
    const config = useConfigStore.getState().config;
    // The interim fresh model's snapshots (step 0) must not wipe the figures' history.
    const kept = useRunDataStore.getState().data;
    this.switching = true;
    const info = await this.run('switchBackend', async () => {
      const engine = await this.engine();
      const saved = useEngineStore.getState().model ? await engine.request({ type: 'saveCheckpoint' }) : null;
      // configure with a forced backend switches the worker's tfjs backend before building.
      const fresh = await engine.request({ type: 'configure', config, options: this.options.engineOptions });
      if (fresh.backend.backend !== backend) {
        // The switch did not land: the config (and the URL) keep saying where the engine runs.
        useConfigStore.getState().update({ backend: previous });
        if (saved) await engine.request({ type: 'loadCheckpoint', bytes: saved.bytes });
        const why = fresh.backend.fallbacks.find((f) => f.backend === backend)?.reason ?? 'it did not start';
        throw new Error(
          `The engine could not switch to ${backend} (${why}); it runs on ${fresh.backend.backend}.`,
        );
      }
      if (!saved) return fresh;
      // The checkpoint's config says the backend it was built with ('auto'): the engine stays put.
      const loaded = await engine.request({ type: 'loadCheckpoint', bytes: saved.bytes });
      return { ...loaded, config: { ...loaded.config, backend } };
    }).finally(() => {
      this.switching = false;
    });
    if (!info) return false;
    if (kept.source === 'live') useRunDataStore.getState().replace({ ...kept, step: info.step });
    useEngineStore.getState().modelReady(info);
    await this.select();
    if (wasTraining) await this.train();
    return true;
  }

  /** Fresh weights for the same config; a trained run is kept for undo (keepWork/resetUndo). */
  async reset(): Promise<void> {
    const kept = await this.run('reset', async () => keepBeforeReset(await this.engine()));
    const info = await this.run('reset', async () => (await this.engine()).request({ type: 'reset' }));
    if (!info) return;
    offerUndo(kept);
    cancelInspectionScan();
    useEngineStore.getState().modelReady(info);
    useEngineStore.setState({ fault: null });
    // The precomputed run (which the live model may have continued) stays as a reference curve.
    const reference =
      useRunDataStore.getState().reference ?? (matchesPrecomputed(info.config) ? precomputedLossRun() : null);
    useRunDataStore.getState().replace({ ...emptyRunData('live'), step: info.step }, reference);
    await this.select();
  }

  async evaluate(): Promise<void> {
    const report = await this.run('evaluate', async () =>
      (await this.engine()).request({ type: 'evaluate' }),
    );
    if (report) useRunDataStore.getState().evaluated(report);
  }

  /** Changes the engine's own settings (validation cadence, usage half-life, …). */
  async setOptions(options: Partial<EngineOptions>): Promise<EngineOptions | null> {
    return this.run('setOptions', async () => (await this.engine()).request({ type: 'setOptions', options }));
  }

  /** Traces one byte of any text with the live model (does not change the selection). */
  async trace(text: string, position: number, layer: number | null = null): Promise<TokenTrace | null> {
    return this.run(
      'trace',
      async () => (await this.engine()).request({ type: 'trace', text, position, layer }),
      true,
    );
  }

  /** One memory layer's reads (slots, weights) of every byte of `text` with the live model. */
  async readText(text: string, layer: number | null = null): Promise<TextReadsResult | null> {
    return this.run(
      'readText',
      async () => (await this.engine()).request({ type: 'readText', text, layer }),
      true,
    );
  }

  /** Facts asked with the live model: recall and the slots each answer read in `layer`. */
  async factReads(layer: number | null = null): Promise<FactReads | null> {
    return this.run(
      'factReads',
      async () => (await this.engine()).request({ type: 'factReads', layer }),
      true,
    );
  }

  private scheduleSelect(): void {
    if (this.selectTimer) clearTimeout(this.selectTimer);
    this.selectTimer = setTimeout(() => {
      this.selectTimer = null;
      void this.select();
    }, 60);
  }

  /** Makes the engine trace the selected token in its snapshots; shows its trace now. */
  async select(): Promise<void> {
    if (!useEngineStore.getState().model) return;
    const { text, position, layer: picked } = useSelectionStore.getState();
    const memoryLayers = useEngineStore.getState().model?.config.mem_layers ?? [];
    if (memoryLayers.length === 0) return;
    const layer = layerForModel(picked, memoryLayers);
    const selection: TokenSelection | null = text ? { text, position, layer } : null;
    const seq = ++this.selectSeq;
    const trace = await this.run(
      'select',
      async () => (await this.engine()).request({ type: 'select', selection }),
      true,
    );
    // An older answer must not overwrite a newer selection's trace.
    if (seq === this.selectSeq && useRunDataStore.getState().data.source === 'live') {
      useRunDataStore.getState().traced(trace);
    }
  }

  /** Any protocol command, for the lab's features; an error reply throws EngineRequestError. */
  async request<K extends CommandType>(command: CommandOf<K>): Promise<ResultOf<K>> {
    return (await this.engine()).request(command);
  }

  /** Also tells `listener` every engine event; returns the function that stops it. */
  listen(listener: EngineListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Tests only (the page was opened with ?debug). */
  async debug(action: 'lose-device' | 'nan-next-step' | 'crash' | 'exit'): Promise<void> {
    await this.run('debug', async () => (await this.engine()).request({ type: 'debug', action }));
  }

  dispose(): void {
    this.disposed = true;
    if (this.selectTimer) clearTimeout(this.selectTimer);
    for (const off of this.unsubscribe) off();
    this.link?.terminate();
  }
}
