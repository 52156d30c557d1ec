/**
 * Screenshots of stories, to look at: `npx tsx scripts/screenshot-stories.ts [--dark] [--width 1280]
 * story-id …` against a running Storybook (`npm run storybook`, or STORYBOOK_URL for another
 * address, e.g. a served storybook-static). PNGs go to /tmp/pkm-shots (or SHOTS_DIR).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, requireChromium } from '../test/chromium';

const args = process.argv.slice(2);
const dark = args.includes('--dark');
const widthAt = args.indexOf('--width');
const width = widthAt >= 0 ? Number(args[widthAt + 1]) : 1280;
const ids = args.filter((a, i) => !a.startsWith('--') && (widthAt < 0 || i !== widthAt + 1));
const base = process.env.STORYBOOK_URL ?? 'http://127.0.0.1:6006';
const outDir = process.env.SHOTS_DIR ?? '/tmp/pkm-shots';
if (ids.length === 0) throw new Error('name at least one story id, e.g. lookup-queryhalves--two-heads');
mkdirSync(outDir, { recursive: true });

const profile = mkdtempSync(join(tmpdir(), 'pkm-shots-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: requireChromium(),
  headless: true,
  args: CHROMIUM_ARGS,
  viewport: { width, height: 900 },
  colorScheme: dark ? 'dark' : 'light',
});
try {
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (e) => console.error(`pageerror: ${e.message}`));
  page.on('console', (m) => m.type() === 'error' && console.error(`console: ${m.text()}`));
  for (const id of ids) {
    await page.goto(`${base}/iframe.html?id=${id}&viewMode=story`);
    await page.waitForSelector('#storybook-root > *', { timeout: 20_000 });
    await page.waitForTimeout(400);
    const file = join(outDir, `${id}${dark ? '.dark' : ''}.png`);
    await page.screenshot({ path: file, fullPage: true });
    console.log(file);
  }
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
