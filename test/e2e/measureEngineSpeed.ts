/**
 * Measures training speed of a config in headless Chromium through the real engine worker, and
 * the main thread's frame rate meanwhile. Not a test: run it by hand.
 *   npx tsx test/e2e/measureEngineSpeed.ts [webgpu|wasm|webgl] [seconds] ['{"d_model":32,…}']
 * Prints warm-up timings, steps/s (engine's steady-state figure and wall clock) and frames/s.
 */
import { openPage } from './browser';
import { serveEnginePage } from './enginePage';

const backend = (process.argv[2] ?? 'webgpu') as 'webgpu' | 'wasm' | 'webgl';
const seconds = Number(process.argv[3] ?? 60);
const config = JSON.parse(process.argv[4] ?? '{}');

const server = await serveEnginePage();
const session = await openPage(server.url);
try {
  await session.page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
  const result = await session.page.evaluate(
    async ([backend, seconds, config]) => {
      const { engineTest } = window;
      const chosen = await engineTest.start(backend);
      const t0 = performance.now();
      const info = await engineTest.client.configure(
        { ...config, backend },
        { evalEvery: 0, recallEvery: 0, snapshotHz: 5 },
      );
      const warmupWallMs = performance.now() - t0;
      const first = (await engineTest.client.status()).step;
      const start = performance.now();
      const fps = engineTest.measureFps(seconds * 1000);
      await engineTest.client.start();
      const frames = await fps;
      const status = await engineTest.client.pause();
      const wall = (performance.now() - start) / 1000;
      const snaps = engineTest.records().snapshots.filter((s) => s.stepsPerSec > 0);
      const rates = snaps.map((s) => s.stepsPerSec).sort((a, b) => a - b);
      return {
        backend: chosen?.backend,
        adapter: chosen?.adapter?.description,
        params: info.parameters.total,
        warmup: info.warmup,
        warmupWallMs,
        steps: status.step - first,
        wall,
        medianStepsPerSec: rates[Math.floor(rates.length / 2)] ?? 0,
        fps: frames.fps,
        longestFrameMs: frames.longestFrameMs,
        numTensors: status.tfMemory.numTensors,
      };
    },
    [backend, seconds, config] as const,
  );
  console.log(JSON.stringify(result, null, 2));
  console.log(
    `${result.backend}: ${(result.steps / result.wall).toFixed(2)} steps/s wall (median snapshot ${result.medianStepsPerSec.toFixed(2)}), ` +
      `${result.fps.toFixed(1)} frames/s on the main thread, warm-up ${(result.warmupWallMs / 1000).toFixed(1)} s`,
  );
  if (session.errors.length > 0) console.log('page errors:', session.errors);
} finally {
  await session.close();
  await server.close();
}
