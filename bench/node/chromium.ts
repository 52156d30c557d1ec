import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import react from '@vitejs/plugin-react';
import { chromium, type Page } from 'playwright-core';
import { build, type PreviewServer, preview } from 'vite';
import { CHROMIUM_ARGS, requireChromium } from '../../test/chromium';
import type { PageInit, PkmBenchApi } from '../browser/main';
import type { SuiteName } from '../lib/args';
import { makePlan } from '../lib/plan';
import type { BenchResult, UiResult } from '../lib/result';
import { round } from '../lib/stats';
import { checkTargets } from '../lib/targets';
import { frameRateWhileTraining } from './frameRateOnPage';
import { loadAverages, loadNote, nodeMachine } from './machine';

/**
 * --browser: builds the bench page (bench/browser) with Vite in production mode, serves it from
 * 127.0.0.1 with Vite's preview server, opens it in Debian's headless Chromium (playwright-core,
 * the flags of test/chromium.ts, a fresh profile) and drives it through window.pkmBench.
 */

/** How often the live heat map gets new counts during the second fps measurement. */
const LIVE_HEATMAP_MS = 250;

const PAGE_ROOT = path.resolve(import.meta.dirname, '..', 'browser');
const OUT_DIR = path.resolve(import.meta.dirname, '..', '..', 'node_modules', '.cache', 'pkm-bench-page');

async function buildAndServe(log: (m: string) => void): Promise<{ server: PreviewServer; url: string }> {
  log('browser: building the bench page (vite build)');
  const shared = {
    configFile: false as const,
    root: PAGE_ROOT,
    logLevel: 'warn' as const,
    plugins: [react()],
    worker: { format: 'es' as const },
    build: { outDir: OUT_DIR, emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 8192 },
  };
  await build(shared);
  const server = await preview({ ...shared, preview: { host: '127.0.0.1', port: 4890, strictPort: false } });
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error('vite preview did not report a local URL');
  return { server, url };
}

/**
 * Extra Chromium flags from PKM_BENCH_CHROMIUM_ARGS (space-separated), e.g. for hardware WebGPU on
 * Linux: "--enable-features=Vulkan --use-angle=vulkan --ignore-gpu-blocklist".
 */
function extraArgs(): string[] {
  return (process.env.PKM_BENCH_CHROMIUM_ARGS ?? '').split(/\s+/).filter(Boolean);
}

/** "chromium 131.0.6778.85" from a (headless) Chrome user agent. */
function chromiumVersion(userAgent: string): string {
  const match = /(?:HeadlessChrome|Chrome|Chromium)\/([\d.]+)/.exec(userAgent);
  return match ? `chromium ${match[1]}` : userAgent;
}

/** Calls window.pkmBench[name](...args) in the page. */
function call<K extends keyof PkmBenchApi>(
  page: Page,
  name: K,
  ...args: Parameters<PkmBenchApi[K]>
): Promise<Awaited<ReturnType<PkmBenchApi[K]>>> {
  return page.evaluate(
    ([n, a]) => {
      const api = (window as unknown as { pkmBench: Record<string, (...x: unknown[]) => unknown> }).pkmBench;
      return api[n as string](...(a as unknown[]));
    },
    [name, args] as const,
  ) as Promise<Awaited<ReturnType<PkmBenchApi[K]>>>;
}

export interface BrowserRunOptions {
  backend: string;
  quick: boolean;
  suites: SuiteName[];
  log: (m: string) => void;
}

export async function runInChromium(options: BrowserRunOptions): Promise<BenchResult> {
  const { log, quick, suites } = options;
  const executablePath = requireChromium();
  const started = performance.now();
  const loadStart = loadAverages();
  const { server, url } = await buildAndServe(log);
  const profile = mkdtempSync(path.join(tmpdir(), 'pkm-bench-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: [...CHROMIUM_ARGS, ...extraArgs()],
    viewport: { width: 1280, height: 900 },
  });
  const pageErrors: string[] = [];
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (msg) => {
      const text = msg.text();
      if (text.startsWith('[bench] ')) log(`chromium: ${text.slice(8)}`);
      else if (msg.type() === 'error') pageErrors.push(text);
    });
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(url);
    await page.waitForSelector('body[data-ready="true"]', { state: 'attached', timeout: 60_000 });
    const init: PageInit = await call(page, 'init', options.backend);
    log(`chromium · ${init.backend} (${init.device})${init.gpu ? ` · ${init.gpu.name}` : ''}`);
    const parts = await call(
      page,
      'runSuites',
      quick,
      suites.filter((s) => s !== 'ui'),
    );
    let ui: UiResult | undefined;
    if (suites.includes('ui')) {
      const heat = await call(page, 'heatmap', quick);
      const plan = makePlan(init.device, quick);
      log(
        `ui: frame rate for ${plan.ui.fpsSeconds} s while the app's engine trains (first: build and warm-up)`,
      );
      let description = '';
      const training = {
        start: async () => {
          description = await call(page, 'startTraining', plan.steps.config.n_keys);
        },
        stop: () => call(page, 'stopTraining'),
      };
      const fps = await frameRateWhileTraining(page, plan.ui.fpsSeconds, training);
      log(
        `ui: frame rate for ${plan.ui.fpsSeconds} s while the app's engine trains and a live heat map redraws`,
      );
      const live = await frameRateWhileTraining(page, plan.ui.fpsSeconds, {
        start: async () => {
          await training.start();
          await call(page, 'startLiveHeatmap', plan.ui.heatmapNKeys, LIVE_HEATMAP_MS);
        },
        stop: async () => {
          await call(page, 'stopLiveHeatmap');
          return training.stop();
        },
      }).finally(() => call(page, 'closeTraining'));
      ui = {
        fps: round(fps.fps),
        fps_low: round(fps.fps_low),
        longest_frame_ms: round(fps.longest_frame_ms),
        fps_training: description,
        fps_training_steps: fps.steps,
        fps_with_heatmap: round(live.fps),
        fps_with_heatmap_low: round(live.fps_low),
        ...heat,
      };
    }
    if (pageErrors.length) throw new Error(`the bench page reported errors: ${pageErrors.join(' | ')}`);
    const host = nodeMachine();
    const load = { start: loadStart, end: loadAverages() };
    const busy = loadNote(load, host.cores);
    if (busy) parts.notes.push(busy);
    const result: Omit<BenchResult, 'targets'> = {
      machine: {
        ...host,
        runtime: chromiumVersion(init.userAgent),
        cores: init.cores || host.cores,
        ...(init.gpu ? { gpu: init.gpu } : {}),
      },
      backend: init.backend,
      load,
      runner: 'chromium',
      quick,
      date: new Date().toISOString(),
      duration_s: Math.round((performance.now() - started) / 100) / 10,
      ...parts,
      ...(ui ? { ui } : {}),
    };
    return { ...result, targets: checkTargets({ ...result, softwareGpu: result.machine.gpu?.fallback }) };
  } finally {
    await context.close();
    await server.close();
    rmSync(profile, { recursive: true, force: true });
  }
}
