/// <reference lib="webworker" />
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import '@tensorflow/tfjs-backend-wasm';
import { configureWasmForBrowser } from '../../src/engine/wasmPaths';
import { DEFAULT_CONFIG } from '../../src/model/config';
import { createSparseUnit, type StepUnit } from '../suites/stepUnits';
import type { WorkerReply, WorkerRequest } from './workerProtocol';

/**
 * The bench's own training worker: trains one memory layer (the app's default memory, sparse value
 * updates) step after step until told to stop, so that the main thread's frame rate can be
 * measured while training runs off it. It stands in for the app's training engine.
 */

configureWasmForBrowser();

let unit: StepUnit | null = null;
let running = false;
let steps = 0;
let looping: Promise<void> = Promise.resolve();

const reply = (message: WorkerReply) => (self as unknown as Worker).postMessage(message);

async function loop(): Promise<void> {
  while (running && unit) {
    await unit.step();
    steps++;
    // Lets 'stop' in: on wasm a step's awaits resolve as microtasks, which never yield to messages.
    await new Promise((r) => setTimeout(r, 0));
  }
}

self.onmessage = async (event: MessageEvent<WorkerRequest>) => {
  const request = event.data;
  try {
    if (request.type === 'start') {
      if (!(await tf.setBackend(request.backend)))
        throw new Error(`worker: tfjs could not start ${request.backend}`);
      await tf.ready();
      unit = createSparseUnit({ ...DEFAULT_CONFIG, n_keys: request.nKeys }, request.nKeys);
      steps = 0;
      await unit.step(); // compiles the shaders before the measurement starts
      running = true;
      reply({ type: 'started', backend: tf.getBackend() });
      looping = loop().catch((err: unknown) => reply({ type: 'error', message: String(err) }));
    } else if (request.type === 'stop') {
      running = false;
      await looping; // the step in flight finishes first
      const done = steps;
      unit?.dispose();
      unit = null;
      reply({ type: 'stopped', steps: done });
    }
  } catch (err) {
    reply({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  }
};
