import { create } from 'zustand';
import type {
  BackendReport,
  CommandError,
  EngineEvent,
  EngineFault,
  EngineState,
  ModelInfo,
  TrainingPace,
  WarmupPhase,
} from '../engine/protocol';

/** A command the engine refused, shown until dismissed or until the next attempt succeeds. */
export interface CommandProblem extends CommandError {
  command: string;
}

export interface EngineStatusState {
  state: EngineState;
  /** Why the state changed, when the engine said. */
  reason: string | null;
  backend: BackendReport | null;
  /** The engine could not start at all (no backend, worker failed to load). */
  startError: string | null;
  model: ModelInfo | null;
  warmup: { phase: WarmupPhase; fraction: number; message: string } | null;
  /** The latest fault; cleared when dismissed or when a new model is built. */
  fault: EngineFault | null;
  problem: CommandProblem | null;
  pace: TrainingPace;
  /** Step of the latest recovery checkpoint the client holds (nothing before it can be lost). */
  checkpointStep: number | null;
  /** Applies a state, backend, warm-up, fault or checkpoint event. */
  event(e: EngineEvent): void;
  modelReady(info: ModelInfo): void;
  setPace(pace: TrainingPace): void;
  setProblem(problem: CommandProblem | null): void;
  setStartError(message: string | null): void;
  dismissFault(): void;
}

export const useEngineStore = create<EngineStatusState>()((set, get) => ({
  state: 'starting',
  reason: null,
  backend: null,
  startError: null,
  model: null,
  warmup: null,
  fault: null,
  problem: null,
  pace: { kind: 'fast' },
  checkpointStep: null,
  event(e) {
    switch (e.type) {
      case 'state':
        set({
          state: e.state,
          reason: e.reason ?? null,
          ...(e.state === 'building'
            ? { warmup: { phase: 'build', fraction: 0, message: 'Building the model…' } }
            : {}),
        });
        return;
      case 'backend':
        set({ backend: e.backend, startError: null });
        return;
      case 'warmup':
        set({
          warmup: e.phase === 'done' ? null : { phase: e.phase, fraction: e.fraction, message: e.message },
        });
        return;
      case 'fault':
        set({ fault: e.fault });
        return;
      case 'checkpoint':
        set({ checkpointStep: e.checkpoint.step });
        return;
      case 'snapshot':
        if (get().state !== e.snapshot.state) set({ state: e.snapshot.state });
        return;
      case 'generated':
        return;
    }
  },
  modelReady(info) {
    set({ model: info, backend: info.backend, warmup: null, problem: null });
  },
  setPace(pace) {
    set({ pace });
  },
  setProblem(problem) {
    set({ problem });
  },
  setStartError(message) {
    set({ startError: message });
  },
  dismissFault() {
    set({ fault: null });
  },
}));

/** States in which the model exists and accepts train / step / reset. */
export function modelReady(state: EngineState): boolean {
  return state === 'paused' || state === 'running' || state === 'slow' || state === 'faulted';
}

export function isTraining(state: EngineState): boolean {
  return state === 'running' || state === 'slow';
}
