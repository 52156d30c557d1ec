import { EngineClient, type WorkerLike } from '../../src/engine/client';
import type { BackendName, EngineEvent, ModelInfo } from '../../src/engine/protocol';
import type { ModelConfig } from '../../src/model/config';

/**
 * What the fps measurement needs from whatever trains off the main thread: the app's engine
 * (src/engine: EngineClient and its Worker), driven exactly as the app drives it.
 */
export interface TrainingEngineHook {
  /** Shown in the results: what trained during the measurement. */
  readonly description: string;
  /** Starts (or resumes) training; resolves once a step has run (shaders compiled, warm-up done). */
  start(): Promise<void>;
  /** Pauses training; resolves with the steps completed since the matching start resolved. */
  stop(): Promise<{ steps: number }>;
  /** Stops the engine's worker for good. */
  close(): void;
}

/** Longest wait for the engine's first training step (build, warm-up and shader compilation included). */
const FIRST_STEP_TIMEOUT_MS = 180_000;

/**
 * The app's engine training `config` on `backend` with the app's default engine options (snapshots,
 * usage maps and validation at the app's rates, sent to this page as in the app; no token is
 * selected, so no traces). The Worker is started and the model built and warmed up on the first
 * `start`; later starts resume.
 * `createWorker` replaces the engine's module Worker (tests serve the engine over a MessageChannel).
 */
export function appTrainingEngine(
  backend: BackendName,
  config: Partial<ModelConfig>,
  createWorker?: () => WorkerLike,
): TrainingEngineHook {
  let client: EngineClient | null = null;
  let info: ModelInfo | null = null;
  let latestStep = 0;
  let failure: Error | null = null;
  const waiters = new Set<() => void>();

  const onEvent = (event: EngineEvent) => {
    if (event.type === 'snapshot') latestStep = Math.max(latestStep, event.snapshot.step);
    else if (event.type === 'fault')
      failure = new Error(`the engine reported a fault: ${event.fault.message}`);
    else return;
    for (const wake of waiters) wake();
  };

  /** Resolves once a snapshot reports a step beyond `step`; rejects on a fault or after the timeout. */
  function stepBeyond(step: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => done(new Error(`no training step within ${FIRST_STEP_TIMEOUT_MS / 1000} s`)),
        FIRST_STEP_TIMEOUT_MS,
      );
      const done = (err?: Error) => {
        clearTimeout(timer);
        waiters.delete(check);
        if (err) reject(err);
        else resolve();
      };
      const check = () => {
        if (failure) done(failure);
        else if (latestStep > step) done();
      };
      waiters.add(check);
      check();
    });
  }

  async function open(): Promise<EngineClient> {
    const c = await EngineClient.start({ backend, ...(createWorker ? { createWorker } : {}) });
    c.subscribe(onEvent);
    const chosen = c.backend?.backend;
    if (chosen !== backend) {
      c.terminate();
      throw new Error(`the engine asked for ${backend} but started ${chosen ?? 'no backend'}`);
    }
    try {
      info = await c.configure({ ...config, backend });
    } catch (err) {
      c.terminate();
      throw err;
    }
    latestStep = info.step;
    client = c;
    return c;
  }

  let startStep = 0;
  const hook: TrainingEngineHook = {
    get description() {
      if (!info) return `the app's engine (${backend}, not started)`;
      const c = info.config;
      const adapter = info.backend.adapter ? `, ${info.backend.adapter.description}` : '';
      return (
        `the app's engine (EngineClient worker, ${info.backend.backend}${adapter}) on the default model ` +
        `(${c.layers} layers, d_model ${c.d_model}, ${(c.n_keys ** 2).toLocaleString('en-US')} ${c.mem_keys}-key ` +
        `slots in layer ${c.mem_layers.join(', ')}, batch ${c.batch}×${c.context}, ` +
        `${info.parameters.total.toLocaleString('en-US')} parameters)`
      );
    },
    async start() {
      const c = client ?? (await open());
      failure = null;
      const before = latestStep;
      await c.start();
      await stepBeyond(before);
      startStep = latestStep;
    },
    async stop() {
      const c = client;
      if (!c) throw new Error('the engine is not running');
      const status = await c.pause();
      if (failure) throw failure;
      latestStep = Math.max(latestStep, status.step);
      return { steps: status.step - startStep };
    },
    close() {
      client?.terminate();
      client = null;
    },
  };
  return hook;
}
