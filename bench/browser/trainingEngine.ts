import type { WorkerReply, WorkerRequest } from './workerProtocol';

/**
 * What the fps measurement needs from whatever trains off the main thread.
 *
 * APP ENGINE HOOK: the app's training engine (src/engine, a Web Worker) does not train yet. Once it
 * does, implement this interface over it (start = begin training and resolve after the first step,
 * stop = pause and report the steps done) and pass it to the fps measurement instead of
 * `benchWorkerEngine`; or open the app itself in Chromium, start training there, and call
 * `frameRateOnPage(page, seconds)` from bench/node/frameRateOnPage.ts.
 */
export interface TrainingEngineHook {
  /** Shown in the results: what trained during the measurement. */
  readonly description: string;
  /** Starts training; resolves once it runs (first step done, shaders compiled). */
  start(): Promise<void>;
  /** Stops training; resolves with the steps completed since start. */
  stop(): Promise<{ steps: number }>;
}

/** The bench's own dedicated Worker training one memory layer (bench/browser/trainWorker.ts). */
export function benchWorkerEngine(backend: string, nKeys: number): TrainingEngineHook {
  let worker: Worker | null = null;

  function request(message: WorkerRequest, expect: WorkerReply['type']): Promise<WorkerReply> {
    const w = worker;
    if (!w) return Promise.reject(new Error('training worker is not running'));
    return new Promise((resolve, reject) => {
      const onMessage = (event: MessageEvent<WorkerReply>) => {
        const reply = event.data;
        if (reply.type === expect) {
          w.removeEventListener('message', onMessage);
          resolve(reply);
        } else if (reply.type === 'error') {
          w.removeEventListener('message', onMessage);
          reject(new Error(`training worker: ${reply.message}`));
        }
      };
      w.addEventListener('message', onMessage);
      w.postMessage(message);
    });
  }

  return {
    description: `bench worker training one memory layer (${nKeys * nKeys} slots, ${backend})`,
    async start() {
      worker = new Worker(new URL('./trainWorker.ts', import.meta.url), {
        type: 'module',
        name: 'pkm-bench-train',
      });
      worker.addEventListener('error', (e) => console.error(`[bench] training worker error: ${e.message}`));
      await request({ type: 'start', backend, nKeys }, 'started');
    },
    async stop() {
      try {
        const reply = await request({ type: 'stop' }, 'stopped');
        return { steps: reply.type === 'stopped' ? reply.steps : 0 };
      } finally {
        worker?.terminate();
        worker = null;
      }
    },
  };
}
