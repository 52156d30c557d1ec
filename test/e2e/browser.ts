import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, requireChromium } from '../chromium';

export interface OpenPage {
  page: Page;
  /** Console errors and uncaught page errors seen so far. */
  errors: string[];
  /** Every console line, for the test log. */
  logs: string[];
  close(): Promise<void>;
}

/** Launches headless Chromium with a fresh profile and opens `url`, recording errors. */
export async function openPage(
  url: string,
  options: { colorScheme?: 'light' | 'dark' } = {},
): Promise<OpenPage> {
  const profile = mkdtempSync(join(tmpdir(), 'pkm-chromium-'));
  const context: BrowserContext = await chromium.launchPersistentContext(profile, {
    executablePath: requireChromium(),
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1440, height: 900 },
    colorScheme: options.colorScheme ?? 'light',
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  const logs: string[] = [];
  page.on('console', (msg) => {
    logs.push(`[${msg.type()}] ${msg.text()}`);
    if (msg.type() === 'error') errors.push(msg.text());
  });
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  await page.goto(url);
  return {
    page,
    errors,
    logs,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
