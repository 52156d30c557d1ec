import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import '@tensorflow/tfjs-backend-wasm';
import '../../src/app/theme.css';
import type { BackendName } from '../../src/engine/protocol';
import { configureWasmForBrowser } from '../../src/engine/wasmPaths';
import { DEFAULT_CONFIG } from '../../src/model/config';
import type { SuiteName } from '../lib/args';
import { type GpuLike, gpuInfo } from '../lib/gpu';
import { type DeviceClass, makePlan } from '../lib/plan';
import type { GpuInfo } from '../lib/result';
import { runTfSuites, type SuitesResult } from '../suites/runSuites';
import { benchHeatmap, type HeatmapTimes, startLiveHeatmap } from './heatmapBench';
import { appTrainingEngine, type TrainingEngineHook } from './trainingEngine';

/**
 * The benchmark page. bench/node/chromium.ts opens it in headless Chromium and drives it through
 * `window.pkmBench`: tfjs suites on the page's backend, heat-map redraws, and the app's training
 * engine (its own Worker) that trains while the Node side samples the frame rate. Progress goes to the console ("[bench] …").
 */

configureWasmForBrowser();

const log = (message: string) => console.log(`[bench] ${message}`);

export interface PageInit {
  backend: string;
  device: DeviceClass;
  gpu?: GpuInfo;
  userAgent: string;
  cores: number;
}

let device: DeviceClass = 'wasm';
let engine: TrainingEngineHook | null = null;
let stopLive: (() => number) | null = null;

const api = {
  async init(backend: string): Promise<PageInit> {
    let gpu: GpuInfo | undefined;
    if (backend === 'webgpu') {
      const nav = navigator as Navigator & { gpu?: GpuLike };
      if (!nav.gpu) throw new Error('navigator.gpu is missing: this page has no WebGPU (Chromium flags?)');
      const adapter = await nav.gpu.requestAdapter({ powerPreference: 'high-performance' });
      if (!adapter) throw new Error('WebGPU: no adapter');
      gpu = gpuInfo(adapter);
    } else if (backend !== 'wasm') {
      throw new Error(`--backend must be webgpu or wasm in the browser (got ${JSON.stringify(backend)})`);
    }
    if (!(await tf.setBackend(backend))) throw new Error(`tfjs could not start its ${backend} backend`);
    await tf.ready();
    device = backend === 'wasm' ? 'wasm' : gpu?.fallback ? 'software-gpu' : 'gpu';
    return {
      backend,
      device,
      ...(gpu ? { gpu } : {}),
      userAgent: navigator.userAgent,
      cores: navigator.hardwareConcurrency,
    };
  },

  runSuites(quick: boolean, suites: SuiteName[]): Promise<SuitesResult> {
    return runTfSuites(makePlan(device, quick), suites, log);
  },

  heatmap(quick: boolean): Promise<HeatmapTimes> {
    const plan = makePlan(device, quick).ui;
    log(`ui: ${plan.heatmapReps} redraws of a ${plan.heatmapNKeys}×${plan.heatmapNKeys} heat map`);
    return benchHeatmap(plan.heatmapNKeys, plan.heatmapReps, document.getElementById('stage')!);
  },

  /** Redraws a live UsageHeatmap with new counts every `intervalMs` until stopLiveHeatmap. */
  startLiveHeatmap(nKeys: number, intervalMs: number): void {
    stopLive?.();
    stopLive = startLiveHeatmap(nKeys, intervalMs, document.getElementById('stage')!);
  },

  stopLiveHeatmap(): number {
    const updates = stopLive?.() ?? 0;
    stopLive = null;
    return updates;
  },

  /**
   * Starts (first call: the app's engine on this page's backend, the app's default model with
   * `nKeys`² slots) or resumes training; resolves with what trains once a step has run.
   */
  async startTraining(nKeys: number): Promise<string> {
    engine ??= appTrainingEngine(tf.getBackend() as BackendName, { ...DEFAULT_CONFIG, n_keys: nKeys });
    await engine.start();
    return engine.description;
  },

  /** Pauses training; the steps done since startTraining resolved. */
  async stopTraining(): Promise<{ steps: number }> {
    if (!engine) throw new Error('no training is running');
    return engine.stop();
  },

  /** Stops the engine's worker. */
  closeTraining(): void {
    engine?.close();
    engine = null;
  },
};

export type PkmBenchApi = typeof api;

(window as unknown as { pkmBench: PkmBenchApi }).pkmBench = api;
document.body.dataset.ready = 'true';
