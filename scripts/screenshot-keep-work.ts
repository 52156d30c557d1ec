/**
 * Screenshots of the notebook once its live model continues the precomputed run, of the offer to
 * restore an autosaved run after a reload, and of the undo notice after a reset: desktop and
 * phone widths, light and dark. Serves dist/ (run `npx vite build` first).
 *
 *   npx tsx scripts/screenshot-keep-work.ts [--out /tmp/pkm-keep-work-shots]
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium, type Page } from 'playwright-core';
import { preview } from 'vite';
import { CHROMIUM_ARGS, requireChromium } from '../test/chromium';

const { values: args } = parseArgs({
  options: { out: { type: 'string', default: '/tmp/pkm-keep-work-shots' } },
});
mkdirSync(args.out!, { recursive: true });
const server = await preview({
  logLevel: 'warn',
  preview: { host: '127.0.0.1', port: 4875, strictPort: false },
});
const base = server.resolvedUrls!.local[0];

async function ready(page: Page): Promise<void> {
  await page
    .getByRole('button', { name: 'Step', exact: true })
    .and(page.locator(':enabled'))
    .waitFor({ timeout: 180_000 });
}

async function shot(page: Page, name: string): Promise<void> {
  const file = join(args.out!, `${name}.png`);
  await page.screenshot({ path: file });
  console.log(file);
}

for (const [width, height] of [
  [1440, 900],
  [390, 844],
]) {
  for (const scheme of ['light', 'dark'] as const) {
    const tag = `${width}-${scheme}`;
    const profile = mkdtempSync(join(tmpdir(), 'pkm-keep-work-'));
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: requireChromium(),
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width, height },
      colorScheme: scheme,
    });
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (e) => console.error(`pageerror: ${e.message}`));
    // wasm: this machine's WebGPU is a software adapter, far slower for the default model.
    await page.goto(`${base}?checkpointEveryMs=500#backend=wasm`);
    await ready(page);
    await page.waitForTimeout(1500);
    await shot(page, `notebook-live-${tag}`);
    await page.getByRole('button', { name: 'Step', exact: true }).click();
    await page.waitForTimeout(3000);
    await page.reload();
    await page.getByRole('status', { name: 'Restore your unsaved run?' }).waitFor({ timeout: 30_000 });
    await page.waitForTimeout(800);
    await shot(page, `restore-offer-${tag}`);
    await ready(page);
    await page.getByRole('button', { name: 'Restore' }).click();
    await page.waitForTimeout(4000);
    await page.locator('body').click({ position: { x: 5, y: 400 } });
    await page.keyboard.press('r');
    await page.getByRole('status', { name: 'Reset to a fresh model' }).waitFor({ timeout: 60_000 });
    await page.waitForTimeout(800);
    await shot(page, `reset-undo-${tag}`);
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}
await server.close();
