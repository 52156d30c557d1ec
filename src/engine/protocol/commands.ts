/**
 * Protocol types: every command (UI → worker), its arguments and the value of its reply
 * (`EngineCommands`), with the helper types that pick them by command type.
 */
import type { ModelConfig } from '../../model/config';
import type { MemoryLayout } from '../../model/io/layouts/types';
import type { BackendName } from '../backend';
import type { EvalReport } from './evaluation';
import type { CheckpointFile, CorpusInfo, CorpusSource, CoverageReport, ModelInfo } from './model';
import type { FactReads, TextReads, TokenSelection, TokenTrace } from './reads';
import type { TfMemoryInfo } from './snapshot';
import type { BackendReport, EngineOptions, EngineState, TrainingPace } from './state';

// ---------------------------------------------------------------------------------------------
// Commands (UI → worker) and their results

export type DebugAction =
  /** Destroys the tfjs WebGPU backend's GPUDevice (as a driver reset would). */
  | 'lose-device'
  /** Makes the next training step's loss NaN (the trainer must refuse it). */
  | 'nan-next-step'
  /** Makes the next training step throw an ordinary error (as a step on a dying GPU device does). */
  | 'fail-next-step'
  /** Throws from the worker's global scope so the worker dies (tests the client's restart). */
  | 'crash'
  /** Ends the worker silently (`close()`: no error event), as a killed worker would. */
  | 'exit';

export interface InitArgs {
  /** Backend wanted: 'auto' (default) tries webgpu (not a software adapter), wasm, webgl, cpu. */
  backend?: BackendName | 'auto';
  /** Backends not to try (e.g. the one whose device was lost). */
  avoid?: BackendName[];
  /** Accept `debug` commands (tests only). */
  allowDebug?: boolean;
}

export interface InitResult {
  protocol: number;
  backend: BackendReport;
  options: EngineOptions;
}

export interface ConfigureArgs {
  /** Missing fields take the defaults; the whole config is validated (errors name the fields). */
  config: Partial<ModelConfig>;
  options?: Partial<EngineOptions>;
  /** Skip the warm-up steps (still compiles). Default false. */
  skipWarmupSteps?: boolean;
}

export interface GenerateArgs {
  /** Echoed in `generated` events. */
  id?: number;
  prompt: string;
  /** 1 to 4096 bytes. */
  maxTokens: number;
  /** 0 = greedy; up to 10. */
  temperature: number;
  seed?: number;
}

export interface GenerateResult {
  text: string;
  tokens: Uint8Array;
  ms: number;
}

export interface StepRecord {
  step: number;
  loss: number;
  lr: number;
  gradNorm: number;
  ms: number;
}

export interface EngineStatus {
  state: EngineState;
  step: number;
  backend: BackendReport | null;
  config: ModelConfig | null;
  options: EngineOptions;
  corpus: CorpusInfo | null;
  selection: TokenSelection | null;
  pace: TrainingPace;
  tfMemory: TfMemoryInfo;
}

/** Arguments of a command that takes none. */
export type NoArgs = Record<never, never>;

/** Every command: its arguments (besides `type`) and the value of a successful reply. */
export interface EngineCommands {
  /** Loads tfjs and chooses the backend. Must be the first command. */
  init: { args: InitArgs; result: InitResult };
  /** Builds a fresh model from the config (seeded), estimates memory first, warms up; pauses training. */
  configure: { args: ConfigureArgs; result: ModelInfo };
  /** Fresh weights for the same config (config.seed, or `seed`); clears losses, usage and optimiser. */
  reset: { args: { seed?: number }; result: ModelInfo };
  /** Switches the training text; the model keeps its weights. Errors name the problem (CorpusError). */
  setCorpus: { args: { corpus: CorpusSource }; result: CorpusInfo };
  setOptions: { args: { options: Partial<EngineOptions> }; result: EngineOptions };
  /** Starts (or changes the pace of) training. */
  start: { args: { pace?: TrainingPace }; result: EngineStatus };
  /** Stops training after the current step. */
  pause: { args: NoArgs; result: EngineStatus };
  /** Runs `count` steps (1 to 1,000; default 1) while paused, then sends a snapshot. */
  step: { args: { count?: number }; result: StepRecord[] };
  /** Validation now, plus fact recall on the knowledge corpus unless `recall` is false (it is slow on software WebGPU). */
  evaluate: { args: { recall?: boolean }; result: EvalReport };
  /** Traces one token of any text (does not change the selection). */
  trace: { args: { text: string; position: number; layer?: number | null }; result: TokenTrace };
  /**
   * Which slots a memory layer (null: the first) reads at every byte of a text, in one command
   * (batched forwards): what per-byte `trace`s would give, without their cost. Cancellable.
   */
  readText: { args: { text: string; layer?: number | null }; result: TextReads };
  /**
   * Knowledge corpus only: asks facts (probe indices; default a spread of 24 over people and
   * attributes) in their held-out wording and replies, per fact, the greedy answer, whether it is
   * recalled and the slots a memory layer (null: the first) read to predict its first byte. Cancellable.
   */
  factReads: { args: { facts?: number[]; layer?: number | null }; result: FactReads };
  /** Sets (or clears, with null) the token traced in snapshots; replies with its trace now. */
  select: { args: { selection: TokenSelection | null }; result: TokenTrace | null };
  generate: { args: GenerateArgs; result: GenerateResult };
  saveCheckpoint: { args: NoArgs; result: CheckpointFile };
  /**
   * Replaces the model (config from the file's metadata), weights, optimiser state, usage counts and
   * loss history; pauses. `backend` replaces the file's backend choice (e.g. a forced one from the link).
   */
  loadCheckpoint: { args: { bytes: Uint8Array; backend?: BackendName | 'auto' }; result: ModelInfo };
  /**
   * Reads a memory module (safetensors; XLM, lucidrains or lingua layout, detected unless given)
   * over .npy inputs [B, d_in]: coverage only. Decoding yields between slices and stops on cancel;
   * training steps run between its chunks.
   */
  importMemory: {
    args: {
      memory: Uint8Array;
      inputs: Uint8Array;
      name?: string;
      knn?: number;
      prefix?: string;
      layout?: MemoryLayout;
      gates?: 'softmax' | 'relu';
    };
    result: CoverageReport;
  };
  /** Stops training and aborts a running generate / evaluate / importMemory (they reply `cancelled`). */
  cancel: { args: NoArgs; result: { cancelled: number } };
  status: { args: NoArgs; result: EngineStatus };
  /** Only when init had allowDebug. */
  debug: { args: { action: DebugAction }; result: { done: true } };
}

export type CommandType = keyof EngineCommands;

export type CommandOf<K extends CommandType> = { type: K } & EngineCommands[K]['args'];

export type EngineCommand = { [K in CommandType]: CommandOf<K> }[CommandType];

export type ResultOf<K extends CommandType> = EngineCommands[K]['result'];
