/**
 * How soon a newcomer can train: opens the built app (dist/, `npx vite build` first) in headless
 * Chromium with the backend forced in the link (`#backend=webgpu` by default), and prints the
 * seconds from navigation to an enabled Train/Step, and to the first training step after Train.
 *   npx tsx scripts/measure-train-ready.ts [webgpu|wasm|auto] [runs]
 */

import type { Page } from 'playwright-core';
import { preview } from 'vite';
import { openPage } from '../test/e2e/browser';

// (test/e2e/app-helpers.ts has these, but it imports vitest, which only loads inside a test run.)
const labelled = async (page: Page, name: string) =>
  (await page.getByLabel(name, { exact: true }).textContent()) ?? '';
const trainingStep = async (page: Page) => Number(await labelled(page, 'Training step'));

const backend = process.argv[2] ?? 'webgpu';
const runs = Number(process.argv[3] ?? 1);

const server = await preview({
  logLevel: 'warn',
  preview: { host: '127.0.0.1', port: 4874, strictPort: false },
});
const base = server.resolvedUrls?.local[0];
if (!base) throw new Error('vite preview did not report a local URL');
try {
  for (let run = 1; run <= runs; run++) {
    const session = await openPage(`${base}${backend === 'auto' ? '' : `#backend=${backend}`}`);
    try {
      const { page } = session;
      await page
        .getByRole('button', { name: 'Step', exact: true })
        .and(page.locator(':enabled'))
        .waitFor({ timeout: 300_000 });
      const readyMs = await page.evaluate(() => performance.now());
      const running = await labelled(page, 'Backend');
      const before = await trainingStep(page);
      await page.getByRole('button', { name: 'Train', exact: true }).click();
      const deadline = Date.now() + 300_000;
      while ((await trainingStep(page)) <= before && Date.now() < deadline) await page.waitForTimeout(50);
      const firstStepMs = await page.evaluate(() => performance.now());
      await page.waitForTimeout(10_000);
      const after = await trainingStep(page);
      console.log(
        `run ${run}: ${running}: Train enabled ${(readyMs / 1000).toFixed(1)} s after load, first step ` +
          `${(firstStepMs / 1000).toFixed(1)} s, then ${((after - before - 1) / 10).toFixed(2)} steps/s ` +
          `(step ${before} → ${after})`,
      );
      if (session.errors.length) console.log('page errors:', session.errors);
    } finally {
      await session.close();
    }
  }
} finally {
  await server.close();
}
