/**
 * The state every part of an engine session shares (engine state, options, backend, the current
 * run, the selection, the training flags, the lock, the snapshot composer) and what every part does
 * with it: emit events, change state, report faults, run under the lock, answer status. Apart so
 * the session's parts (backend, model, training, updates) share one object instead of each other.
 */
import { corpusInfo } from '../corpora';
import { DEFAULT_ENGINE_OPTIONS } from '../options';
import type { EngineStatus } from '../protocol/commands';
import type { EngineEvent, FaultKind } from '../protocol/events';
import type { TokenSelection } from '../protocol/reads';
import type { BackendReport, EngineOptions, EngineState, TrainingPace } from '../protocol/state';
import type { Run } from '../run';
import { Mutex } from '../scheduling';
import { SnapshotComposer, tfMemory } from '../snapshots';

/** How the session reaches its host (the worker shell, or a test). */
export interface SessionHost {
  emit(event: EngineEvent, transfer: Transferable[]): void;
  /** Ends the host abruptly (debug 'crash'); absent where that is impossible. */
  crash?: () => void;
  /** Ends the host silently, with no error event (debug 'exit'). */
  exit?: () => void;
}

export class SessionCore {
  state: EngineState = 'starting';
  options: EngineOptions = { ...DEFAULT_ENGINE_OPTIONS };
  backend: BackendReport | null = null;
  run: Run | null = null;
  selection: TokenSelection | null = null;
  pace: TrainingPace = { kind: 'fast' };
  /** Training continuously: the loop runs while it holds; clearing it stops after the current step. */
  training = false;
  trainingSince = 0;
  /** Ends the slow pace's wait between steps early (set while the loop waits). */
  wakeLoop: (() => void) | null = null;
  deviceLost = false;
  closed = false;
  /** Divergences already reported as a fault where the stats were read (settle). */
  readonly reportedDivergence = new WeakSet<Error>();
  readonly aborts = new Set<AbortController>();
  readonly snapshots = new SnapshotComposer();
  readonly startedAt = performance.now();
  private readonly lock = new Mutex();

  constructor(private readonly host: SessionHost) {}

  exclusive<T>(section: () => Promise<T>): Promise<T> {
    return this.lock.run(section);
  }

  async abortable<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    this.aborts.add(controller);
    try {
      return await work(controller.signal);
    } finally {
      this.aborts.delete(controller);
    }
  }

  emit(event: EngineEvent, transfer: Transferable[] = []): void {
    this.host.emit(event, transfer);
  }

  setState(state: EngineState, reason?: string): void {
    if (state === this.state && !reason) return;
    this.state = state;
    this.emit({ type: 'state', state, ...(reason ? { reason } : {}) });
  }

  fault(kind: FaultKind, message: string, recovery: 'paused' | 'restarting' | 'none'): void {
    const step = this.run?.trainer.steps ?? 0;
    this.emit({
      type: 'fault',
      fault: { kind, message, step, backend: this.backend?.backend ?? null, recovery },
    });
  }

  status(): EngineStatus {
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
}
