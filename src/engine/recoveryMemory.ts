/**
 * What a new engine worker needs to continue where the old one stopped, kept by the client from
 * every successful command: options, corpus, the model (its latest recovery checkpoint), the
 * selection and the pace; and which backend the new worker should run on.
 */
import type { ModelConfig } from '../model/config';
import type {
  BackendName,
  CheckpointFile,
  CommandOf,
  CommandType,
  CorpusSource,
  EngineCommand,
  EngineFault,
  EngineOptions,
  InitArgs,
  ResultOf,
  TokenSelection,
  TrainingPace,
} from './protocol';

/** How long after an 'internal' fault a crash or lost device still counts as its cause, ms. */
const INTERRUPTED_WINDOW_MS = 30_000;
/** A backend that crashed this many times within CRASH_WINDOW_MS is taken for the cause. */
const CRASHES_TO_BLAME = 2;
const CRASH_WINDOW_MS = 60_000;

/** One command a new worker is sent, in order; `optional` ones may fail without failing the restart. */
export interface ReplayCommand {
  command: EngineCommand;
  optional?: boolean;
}

export class RecoveryMemory {
  readonly init: Required<Pick<InitArgs, 'backend' | 'allowDebug'>>;
  /** Backends a new worker must not use (their device was lost, or they keep crashing). */
  readonly avoid = new Set<BackendName>();
  /** The backend the next worker starts on. */
  private target: BackendName | 'auto';
  private options: Partial<EngineOptions> = {};
  private corpus: CorpusSource | null = null;
  /** The model: its config, and the latest checkpoint of it (null = rebuild from the config's seed). */
  model: { config: ModelConfig; checkpoint: Uint8Array | null; step: number } | null = null;
  private selection: TokenSelection | null = null;
  /** The pace while training, null while not. */
  private training: TrainingPace | null = null;
  /**
   * The pace an 'internal' fault stopped, and when. A lost device often fails the running step
   * before `device.lost` is reported, so that fault is a symptom of the loss: a restart soon after
   * it resumes training at this pace. Cleared by any command that sets training or the model.
   */
  private interrupted: { pace: TrainingPace; at: number } | null = null;
  private readonly crashes = new Map<BackendName, number[]>();

  constructor(backend: BackendName | 'auto', allowDebug: boolean) {
    this.init = { backend, allowDebug };
    this.target = backend;
  }

  /** The init command of the next worker. */
  initArgs(): InitArgs {
    return { backend: this.target, allowDebug: this.init.allowDebug, avoid: [...this.avoid] };
  }

  /** Keeps what a restart needs from every successful command; true when the model was replaced. */
  remember<K extends CommandType>(command: CommandOf<K>, result: ResultOf<K>): boolean {
    const c = command as EngineCommand;
    if (['configure', 'reset', 'loadCheckpoint', 'start', 'pause', 'cancel'].includes(c.type))
      this.interrupted = null;
    switch (c.type) {
      case 'configure':
      case 'reset': {
        const info = result as ResultOf<'configure'>;
        if (c.type === 'configure' && c.options) this.options = { ...this.options, ...c.options };
        this.model = { config: info.config, checkpoint: null, step: 0 };
        this.training = null;
        return true;
      }
      case 'loadCheckpoint': {
        const info = result as ResultOf<'loadCheckpoint'>;
        this.model = { config: info.config, checkpoint: c.bytes, step: info.step };
        this.training = null;
        return true;
      }
      case 'setOptions':
        this.options = { ...this.options, ...c.options };
        break;
      case 'setCorpus':
        this.corpus = c.corpus;
        if (this.model) this.model.config = { ...this.model.config, corpus: c.corpus.kind };
        break;
      case 'select':
        this.selection = c.selection;
        break;
      case 'start':
        this.training = c.pace ?? { kind: 'fast' };
        break;
      case 'pause':
      case 'cancel':
        this.training = null;
        break;
    }
    return false;
  }

  /** Takes a recovery checkpoint of the current model; false when it is of another model. */
  checkpoint(file: CheckpointFile): boolean {
    if (!this.model || !sameConfig(this.model.config, file.config)) return false;
    this.model.checkpoint = file.bytes;
    this.model.step = file.step;
    return true;
  }

  /** Notes a fault the worker reported (a paused 'internal' one may be a lost device's symptom). */
  fault(fault: EngineFault): void {
    if (fault.recovery !== 'paused') return;
    const pace = this.training;
    this.interrupted = pace && fault.kind === 'internal' ? { pace, at: performance.now() } : null;
    this.training = null;
  }

  /**
   * Picks the next worker's backend: the one that failed, unless it caused the failure (its
   * device was lost, or it crashed again within a minute); the user's forced backend otherwise.
   */
  planRestart(kind: 'worker-crashed' | 'device-lost', failed: BackendName | undefined): void {
    const now = performance.now();
    if (failed && kind === 'worker-crashed') {
      const recent = (this.crashes.get(failed) ?? []).filter((t) => now - t < CRASH_WINDOW_MS);
      recent.push(now);
      this.crashes.set(failed, recent);
      if (recent.length >= CRASHES_TO_BLAME) this.avoid.add(failed);
    }
    if (failed && kind === 'device-lost') this.avoid.add(failed);
    const forced = this.init.backend;
    if (failed && !this.avoid.has(failed)) this.target = failed;
    else this.target = forced !== 'auto' && !this.avoid.has(forced) ? forced : 'auto';
    // Training stopped by the failure itself (see `interrupted`) resumes after the restart.
    const cut = this.interrupted;
    if (!this.training && cut && now - cut.at < INTERRUPTED_WINDOW_MS) this.training = cut.pace;
    this.interrupted = null;
  }

  /** The commands that put a new worker where the old one was. */
  replay(): ReplayCommand[] {
    const commands: ReplayCommand[] = [];
    if (Object.keys(this.options).length > 0)
      commands.push({ command: { type: 'setOptions', options: this.options } });
    if (this.corpus) commands.push({ command: { type: 'setCorpus', corpus: this.corpus } });
    if (!this.model) return commands;
    const { config, checkpoint } = this.model;
    if (checkpoint) commands.push({ command: { type: 'loadCheckpoint', bytes: checkpoint } });
    else {
      // A forced backend that must be avoided now would undo the restart's choice.
      const forced = config.backend !== 'auto' && this.avoid.has(config.backend);
      commands.push({
        command: { type: 'configure', config: forced ? { ...config, backend: 'auto' } : config },
      });
    }
    if (this.selection)
      commands.push({ command: { type: 'select', selection: this.selection }, optional: true });
    if (this.training) commands.push({ command: { type: 'start', pace: this.training } });
    return commands;
  }
}

function sameConfig(a: ModelConfig, b: ModelConfig): boolean {
  return JSON.stringify({ ...a, backend: null }) === JSON.stringify({ ...b, backend: null });
}
