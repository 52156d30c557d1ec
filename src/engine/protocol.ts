/**
 * The one protocol between the UI (main thread) and the engine (a dedicated module Worker that
 * owns tfjs and the model). Types only: the worker implements it (session.ts, worker.ts), the
 * main thread calls it through client.ts.
 *
 * Shape of the conversation:
 * - Requests: `request(command)` with a command of the `EngineCommand` union (discriminated by
 *   `type`). Every request gets exactly one `Reply`: `{ ok: true, value }` with the command's
 *   result type (see `EngineCommands`), or `{ ok: false, error }` with a `CommandError`. A bad
 *   command (unknown type, missing or ill-typed arguments, wrong state) is an error reply, never
 *   a dead worker. The client turns error replies into thrown `EngineCommandError`s.
 * - Events: one listener (a `Comlink.proxy` callback given to `subscribe`) receives every
 *   `EngineEvent`: state changes, backend reports, warm-up progress, snapshots, faults, recovery
 *   checkpoints, generated text.
 *
 * Conventions: steps are 1-based and count optimiser updates applied so far (0 = untrained).
 * Times are milliseconds. Large arrays are typed arrays and travel as transferables (the sender
 * gives them up). Positions in a text are byte offsets in its UTF-8 encoding (tokens are bytes).
 */
import type { ConfigError, CorpusName, ModelConfig } from '../model/config';
import type { MemoryLayout } from '../model/io/layouts/types';
import type { MemorySpec, MemoryTrace } from '../model/memory/types';
import type { MemoryMetrics } from '../model/metrics/memoryMetrics';
import type { ParameterCounts } from '../model/parameterCounts';
import type { BackendName } from './backend';

export type { BackendName };

/** Bump when a change is not backwards compatible (additions are not). */
export const PROTOCOL_VERSION = 1;

// ---------------------------------------------------------------------------------------------
// States

/**
 * What the engine is doing.
 * - `starting`: the worker is loading tfjs and choosing a backend (before `init` replied).
 * - `unconfigured`: a backend is ready, no model yet (send `configure` or `loadCheckpoint`).
 * - `building`: a model is being built (estimating memory, allocating, loading weights).
 * - `warming`: shaders are compiled and the first steps run (see `WarmupEvent` for progress).
 * - `paused`: a model is ready and not training; every command works.
 * - `running`: training continuously, as fast as the backend allows.
 * - `slow`: training one step per `intervalMs` (teaching mode).
 * - `faulted`: training stopped by a fault (see the `fault` event); the model, if any, holds the
 *   weights of the last good step and every command works again (start resumes training).
 * - `restarting`: set by the client only: the worker crashed, went silent or lost its device and
 *   a new one is starting (on the same backend after a crash, another after a lost device) with
 *   the last recovery checkpoint.
 */
export type EngineState =
  | 'starting'
  | 'unconfigured'
  | 'building'
  | 'warming'
  | 'paused'
  | 'running'
  | 'slow'
  | 'faulted'
  | 'restarting';

/** How fast `start` trains: as fast as possible, or one step every `intervalMs` (50 to 60,000). */
export type TrainingPace = { kind: 'fast' } | { kind: 'slow'; intervalMs: number };

// ---------------------------------------------------------------------------------------------
// Backend

/** The backend in use and why faster ones were not. */
export interface BackendReport {
  backend: BackendName;
  /** What was asked for: config.backend, or 'auto' for the fastest that works. */
  requested: BackendName | 'auto';
  /** Backends passed over, in the order tried, each with why it was not used. */
  fallbacks: { backend: BackendName; reason: string }[];
  /** WebGPU only: adapter description; `fallback` is true for a software adapter (SwiftShader). */
  adapter?: { fallback: boolean; description: string };
  /** 'auto' passed over a software WebGPU adapter (slower than wasm): its description. */
  softwareAdapter?: string;
}

// ---------------------------------------------------------------------------------------------
// Settings of the engine itself (not of the model)

export interface EngineOptions {
  /** Most snapshots per second while training (1 to 60; default 15). Never one per step when steps are fast. */
  snapshotHz: number;
  /** Validation (loss, perplexity, memory metrics) every this many steps; 0 = only on request (default 100). */
  evalEvery: number;
  /** Fixed validation batches of [batch, context + 1] (1 to 64; default 8). */
  evalBatches: number;
  /** Most refreshes per second of the selected token's trace in snapshots (0.1 to 30; default 4). */
  traceHz: number;
  /** Most refreshes per second of the usage maps in snapshots (0.1 to 30; default 4). */
  usageHz: number;
  /** Half-life in steps of the live usage counts; 0 = plain cumulative counts (default 0). */
  usageHalfLife: number;
  /** A recovery checkpoint goes to the client at most this often while training, ms; 0 = never (default 3,000). */
  checkpointEveryMs: number;
  /** Largest estimated model memory (parameters + Adam moments + activations) accepted by configure, bytes (default 1.5 GiB). */
  memoryCapBytes: number;
  /**
   * Fact recall (held-out wording) every this many steps while training on the knowledge corpus;
   * 0 = only on `evaluate` (default 250). Ignored for the user's own text, which has no facts.
   */
  recallEvery: number;
}

// ---------------------------------------------------------------------------------------------
// Corpus

export type CorpusSource =
  | { kind: 'knowledge' }
  /** The user's own text: validated (non-empty, ≤ 20 MB, UTF-8, text-like), last 10% held out. */
  | { kind: 'user'; bytes: Uint8Array; name: string };

export interface CorpusInfo {
  kind: CorpusName;
  name: string;
  trainBytes: number;
  validationBytes: number;
  /** Knowledge corpus: number of fact-recall probes; 0 for user text. */
  probes: number;
}

// ---------------------------------------------------------------------------------------------
// Model info (reply of configure, reset, loadCheckpoint)

/** Estimated memory of a config, checked against `EngineOptions.memoryCapBytes` before building. */
export interface MemoryEstimate {
  /** All parameters, float32. */
  parameterBytes: number;
  /** Adam moments (dense and memory values): 2 × parameters. */
  optimizerBytes: number;
  /** Activations and gradients kept for one training step (an upper estimate). */
  activationBytes: number;
  totalBytes: number;
  capBytes: number;
}

/** Warm-up cost, kept apart from steady-state timings. */
export interface WarmupTimings {
  /** Building the model and its variables. */
  buildMs: number;
  /** Compile-only pass over every shape (WebGPU) or a first forward (other backends). */
  compileMs: number;
  /** The first real training steps (undone afterwards: warm-up does not train). */
  firstStepsMs: number;
  steps: number;
  totalMs: number;
}

export interface ModelInfo {
  config: ModelConfig;
  backend: BackendReport;
  parameters: ParameterCounts;
  memory: MemoryEstimate;
  corpus: CorpusInfo;
  /** Steps already applied (0 after configure/reset; the checkpoint's step after a load). */
  step: number;
  warmup: WarmupTimings;
  /** Whether the optimiser state came back too (loadCheckpoint; false after configure/reset). */
  optimizerRestored: boolean;
}

// ---------------------------------------------------------------------------------------------
// Evaluation

export interface MemoryLayerMetrics {
  /** The block index (an entry of config.mem_layers). */
  layer: number;
  metrics: MemoryMetrics;
}

export interface EvalReport {
  /** Step whose weights were evaluated. */
  step: number;
  /** Mean cross-entropy on the fixed validation set, nats per byte. */
  loss: number;
  perplexity: number;
  bitsPerByte: number;
  tokens: number;
  /** Usage, KL, Gini, topP per memory layer, per head and total, on the same fixed set. */
  memories: MemoryLayerMetrics[];
  /** Knowledge corpus only, on `evaluate` requests (unless recall: false): fact recall on the held-out wording. */
  recall?: { accuracy: number; answerLoss: number; probes: number };
  ms: number;
}

/** One fact-recall measurement (held-out wording), periodic (`recallEvery`) or from `evaluate`. */
export interface RecallPoint {
  /** Step whose weights were asked. */
  step: number;
  /** Fraction of the probed facts whose every answer byte was the top prediction, 0 to 1. */
  accuracy: number;
  /** Mean cross-entropy over the answer bytes, nats per byte. */
  answerLoss: number;
}

// ---------------------------------------------------------------------------------------------
// Tracing a token

/** The token whose lookup trace goes into snapshots. */
export interface TokenSelection {
  text: string;
  /** Byte offset of the token in the UTF-8 text (0 ≤ position < bytes). */
  position: number;
  /** The memory layer the UI shows (an entry of config.mem_layers), or null; traces cover every memory layer. */
  layer: number | null;
}

export interface LayerTrace {
  layer: number;
  /** Every head of the lookup: query, halves, sub-key scores, candidates, slots, weights. */
  trace: MemoryTrace;
}

export interface TokenTrace {
  text: string;
  position: number;
  layer: number | null;
  /** The byte at `position`. */
  token: number;
  /** The model sees bytes [windowStart, position] (at most `context` of them). */
  windowStart: number;
  /** Step whose weights were traced. */
  step: number;
  /** Most likely next bytes after `position`, descending. */
  predictions: { token: number; probability: number }[];
  /** One per memory layer (config.mem_layers order); empty for a model without memory. */
  layers: LayerTrace[];
}

/**
 * One memory layer's reads of every byte of a text (the `readText` command): each byte read in
 * the window a `trace` of it would use, so slots and weights equal those of per-byte traces.
 */
export interface TextReads {
  text: string;
  layer: number;
  heads: number;
  knn: number;
  /** Bytes of the text (UTF-8): the reads' first dimension. */
  positions: number;
  /** Step whose weights read the text. */
  step: number;
  /** int32 [positions, heads, knn]: slot ids, each head's k sorted by score, descending. */
  slots: Int32Array;
  /** [positions, heads, knn]: softmax weights of those slots. */
  weights: Float32Array;
}

/** What the memory read when the model answered one fact (an entry of `FactReads`). */
export interface FactRead {
  /** Index into the corpus's probes (CorpusInfo.probes of them). */
  index: number;
  entity: string;
  attribute: string;
  /** The fact asked in its held-out wording, up to the answer. */
  prompt: string;
  /** The true answer. */
  answer: string;
  /** The model's greedy continuation of the prompt: as many bytes as the answer has. */
  greedy: number[];
  /** `greedy` decoded (UTF-8, invalid bytes replaced). */
  greedyText: string;
  /** Every answer byte is the top prediction (scoreAnswer: the fact-recall metric's test). */
  recalled: boolean;
  /**
   * The asked memory layer's read at the prompt's last byte, the one that predicts the answer's
   * first byte (what a `trace` of that byte shows): per head, the slots by score descending and
   * their softmax weights. Empty for a model without memory.
   */
  heads: { slots: number[]; weights: number[] }[];
}

/** The `factReads` command's reply: facts asked with their held-out wording, and the slots read. */
export interface FactReads {
  /** Step whose weights answered. */
  step: number;
  /** The memory layer read, or null for a model without memory. */
  layer: number | null;
  /** Probes the corpus has (valid indices are 0 to probes − 1). */
  probes: number;
  facts: FactRead[];
}

// ---------------------------------------------------------------------------------------------
// Snapshots

/** Per-slot usage of one memory layer, [heads][n_keys²] and the sum over heads. */
export interface UsageMap {
  perHead: Float32Array[];
  total: Float32Array;
  /** Largest entry of total. */
  max: number;
}

export interface LayerUsage {
  layer: number;
  heads: number;
  /** n_keys²; maps are row-major on the n_keys × n_keys grid (slot = row·n_keys + col). */
  slots: number;
  /** How often each slot was selected. */
  counts: UsageMap;
  /** Sum of the softmax weights each slot received. */
  weights: UsageMap;
  /** Training tokens read since the counts were reset. */
  tokens: number;
  /** EngineOptions.usageHalfLife when these maps were made (0 = cumulative). */
  halfLife: number;
}

export interface TfMemoryInfo {
  numTensors: number;
  numBytes: number;
  numDataBuffers: number;
  /** The backend cannot account for all memory (as tf.memory() says). */
  unreliable: boolean;
}

/**
 * What the UI draws, sent at most `snapshotHz` times per second while training (and once after
 * every command that changes the model). Fields marked "or null" are null when nothing new
 * happened since the previous snapshot: keep the last one shown.
 */
export interface Snapshot {
  /** Increases by one per snapshot of this worker (restarts from 1 after a worker restart). */
  seq: number;
  state: EngineState;
  /** Steps applied so far. */
  step: number;
  /** Training losses of EVERY step since the previous snapshot: steps lossStart, lossStart + 1, … */
  lossStart: number;
  losses: Float32Array;
  /** Dense learning rate and gradient norm of the latest step (NaN before the first). */
  lr: number;
  gradNorm: number;
  /** The latest validation result (repeated until a newer one), or null before the first. */
  eval: EvalReport | null;
  /**
   * Fact-recall measurements since the previous snapshot (usually none), in step order; the whole
   * history of a loaded checkpoint is in the file, as its losses are.
   */
  recall: RecallPoint[];
  /** Steady state since the previous snapshot (warm-up excluded); 0 while not training. */
  tokensPerSec: number;
  stepsPerSec: number;
  /** Mean wall time of one step since the previous snapshot, 0 when none ran. */
  stepMs: number;
  /** The selected token's trace, or null (none selected, or not refreshed since the previous snapshot). */
  trace: TokenTrace | null;
  /** Live usage of each memory layer over training reads, or null (not refreshed since the previous snapshot). */
  usage: LayerUsage[] | null;
  tfMemory: TfMemoryInfo;
  backend: BackendName;
  /** ms since the worker started. */
  time: number;
}

// ---------------------------------------------------------------------------------------------
// Checkpoints and memory import

/**
 * A safetensors file: every weight (dense parameters, each memory's weights), the dense Adam
 * moments and the memory values' sparse Adam moments, and in __metadata__ the config JSON
 * (`config`), `step`, `format` and sampler state: loading it resumes training exactly.
 */
export interface CheckpointFile {
  bytes: Uint8Array;
  step: number;
  config: ModelConfig;
  /** Suggested file name, e.g. "pkm-step-1200.safetensors". */
  name: string;
}

/** Coverage of an imported memory module (XLM layout) over given inputs, without training. */
export interface CoverageReport {
  name: string;
  /** The layout it was read in, the prefix it sits under ('' for a file of one module) and notes on the mapping. */
  layout: MemoryLayout;
  prefix: string;
  notes: string[];
  spec: MemorySpec;
  /** Number of input vectors read. */
  inputs: number;
  /** XLM-evaluator statistics over all inputs, per head and total. */
  metrics: MemoryMetrics;
  counts: UsageMap;
  weights: UsageMap;
  /** Slots never selected: count per head and over all heads, and the ids of the latter. */
  dead: { perHead: number[]; total: number; slots: Int32Array };
  ms: number;
}

// ---------------------------------------------------------------------------------------------
// Faults

/**
 * - `diverged`: a step's loss or gradient was NaN/Inf; it was not applied, training paused on
 *   the last good weights.
 * - `device-lost`: the WebGPU device was lost; the client restarts on the next backend.
 * - `worker-crashed`: the worker died (client side); the client restarts it.
 * - `out-of-memory`: a config too large for the cap, or an allocation failed.
 * - `backend-failed`: no backend (or the forced one) could start.
 * - `internal`: any other error in the training loop; training paused.
 */
export type FaultKind =
  | 'diverged'
  | 'device-lost'
  | 'worker-crashed'
  | 'out-of-memory'
  | 'backend-failed'
  | 'internal';

export interface EngineFault {
  kind: FaultKind;
  /** One sentence for the user: what happened and what to do. */
  message: string;
  /** Steps applied when it happened (the weights are those of this step). */
  step: number;
  backend: BackendName | null;
  /**
   * - `paused`: the worker is fine and paused on its last good weights.
   * - `restarting`: the client is starting a new worker (last recovery checkpoint; another backend
   *   only when this one lost its device).
   * - `restarted`: recovery finished; `restoredStep` says which step's weights were restored.
   * - `none`: nothing could be done (e.g. no backend left, restarts kept failing); any command,
   *   or the client's `restart()`, tries again.
   */
  recovery: 'paused' | 'restarting' | 'restarted' | 'none';
  restoredStep?: number;
}

// ---------------------------------------------------------------------------------------------
// Events (worker → UI, through the one listener)

export type WarmupPhase = 'build' | 'compile' | 'steps' | 'done';

export type EngineEvent =
  | { type: 'state'; state: EngineState; reason?: string }
  | { type: 'backend'; backend: BackendReport }
  /** `fraction` of the whole warm-up, 0 to 1. */
  | { type: 'warmup'; phase: WarmupPhase; fraction: number; message: string }
  | { type: 'snapshot'; snapshot: Snapshot }
  | { type: 'fault'; fault: EngineFault }
  /** A recovery copy of the model (the client keeps the latest one; the UI may ignore it). */
  | { type: 'checkpoint'; checkpoint: CheckpointFile }
  /** Text as `generate` produces it; `id` is the request's id. */
  | { type: 'generated'; id: number; text: string; done: boolean };

export type EngineListener = (event: EngineEvent) => void;

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

// ---------------------------------------------------------------------------------------------
// Replies

/**
 * - `bad-command`: unknown type, missing or ill-typed arguments, values out of range.
 * - `invalid-config`: the config failed validation (`configErrors` lists each field's problem).
 * - `invalid-state`: not possible now (e.g. step before configure, debug without allowDebug).
 * - `corpus`: the text cannot be used (empty, binary, not UTF-8, too short for the context…).
 * - `format`: a file could not be read (safetensors, .npy, XLM layout, checkpoint metadata).
 * - `out-of-memory`: the config's estimated memory is over the cap, or an allocation failed.
 * - `cancelled`: stopped by `cancel` (or by a newer command of the same kind).
 * - `diverged`: a requested `step` hit a NaN/Inf loss (the step was not applied).
 * - `internal`: anything else (the message says what).
 */
export type CommandErrorKind =
  | 'bad-command'
  | 'invalid-config'
  | 'invalid-state'
  | 'corpus'
  | 'format'
  | 'out-of-memory'
  | 'cancelled'
  | 'diverged'
  | 'internal';

export interface CommandError {
  kind: CommandErrorKind;
  message: string;
  configErrors?: ConfigError[];
}

export type Reply<T> = { ok: true; value: T } | { ok: false; error: CommandError };

/** What the worker exposes through Comlink. */
export interface EngineWorkerApi {
  /** Replaces the event listener (pass `Comlink.proxy(fn)`). */
  subscribe(listener: EngineListener): void;
  request<K extends CommandType>(command: CommandOf<K>): Promise<Reply<ResultOf<K>>>;
  /** Answers at once, never waiting for the engine (the client's heartbeat). */
  ping(): number;
  /**
   * Files the worker would otherwise fetch (the wasm binaries), by the URL it would fetch them
   * from: a restarted worker then needs no network.
   */
  provideFiles(files: Record<string, ArrayBuffer>): void;
}
