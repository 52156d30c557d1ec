/**
 * Screenshots of the built app, to look at and for the README: serves dist/ (run `npx vite build`
 * first) and saves full-page PNGs of the pages in light and dark.
 *
 *   npx tsx scripts/screenshot-app.ts [--out /tmp/pkm-app-shots] [--width 1440] [--wait 1500]
 *     [--hash 'page=lab&...'] [--name lab-custom] [--viewport-only]
 *
 * Without --hash it shoots notebook, lab and results, light and dark.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { preview } from 'vite';
import { CHROMIUM_ARGS, requireChromium } from '../test/chromium';

const { values: args } = parseArgs({
  options: {
    out: { type: 'string', default: '/tmp/pkm-app-shots' },
    width: { type: 'string', default: '1440' },
    height: { type: 'string', default: '900' },
    wait: { type: 'string', default: '1500' },
    hash: { type: 'string' },
    name: { type: 'string' },
    'viewport-only': { type: 'boolean', default: false },
    /** Viewport shots down the page, one per screen (for review): at most this many per page. */
    screens: { type: 'string', default: '0' },
    dark: { type: 'boolean', default: false },
    /** Dismiss the notes about this machine (backend fallbacks, a software adapter) before shooting. */
    'dismiss-info': { type: 'boolean', default: false },
    /** Scroll an element (by id) to the top before a viewport shot. */
    'scroll-to': { type: 'string' },
  },
});
mkdirSync(args.out!, { recursive: true });
const server = await preview({
  logLevel: 'warn',
  preview: { host: '127.0.0.1', port: 4874, strictPort: false },
});
const base = server.resolvedUrls!.local[0];
const shots: { name: string; hash: string; scheme: 'light' | 'dark' }[] = args.hash
  ? [{ name: args.name ?? 'custom', hash: args.hash, scheme: args.dark ? 'dark' : 'light' }]
  : [
      { name: 'notebook-light', hash: '', scheme: 'light' },
      { name: 'notebook-dark', hash: '', scheme: 'dark' },
      { name: 'lab-light', hash: 'page=lab', scheme: 'light' },
      { name: 'lab-dark', hash: 'page=lab', scheme: 'dark' },
      { name: 'results-light', hash: 'page=results', scheme: 'light' },
      { name: 'results-dark', hash: 'page=results', scheme: 'dark' },
    ];
for (const shot of shots) {
  const profile = mkdtempSync(join(tmpdir(), 'pkm-app-shots-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: requireChromium(),
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: Number(args.width), height: Number(args.height) },
    colorScheme: shot.scheme,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (e) => console.error(`pageerror: ${e.message}`));
  page.on('console', (m) => m.type() === 'error' && console.error(`console: ${m.text()}`));
  await page.goto(`${base}${shot.hash ? `#${shot.hash}` : ''}`);
  await page.waitForTimeout(Number(args.wait));
  if (args['dismiss-info']) {
    // Notes about this machine (e.g. its software GPU), not about the app: README shots leave them out.
    const notes = page.locator('.notices--flow .notice', { hasNot: page.locator('[role=alert]') });
    for (const b of await notes.locator('button', { hasText: 'Dismiss' }).all()) await b.click();
  }
  if (args['scroll-to']) {
    await page.evaluate((id) => document.getElementById(id)?.scrollIntoView(), args['scroll-to']);
    await page.waitForTimeout(400);
  }
  const screens = Number(args.screens);
  if (screens > 0) {
    const height = Number(args.height);
    const total = await page.evaluate(() => document.documentElement.scrollHeight);
    for (let i = 0; i < screens && i * (height - 200) < total; i++) {
      await page.evaluate((y) => window.scrollTo(0, y), i * (height - 200));
      await page.waitForTimeout(300);
      const file = join(args.out!, `${shot.name}-${i}.png`);
      await page.screenshot({ path: file });
      console.log(file);
    }
  } else {
    const file = join(args.out!, `${shot.name}.png`);
    await page.screenshot({ path: file, fullPage: !args['viewport-only'] });
    console.log(file);
  }
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
await server.close();
