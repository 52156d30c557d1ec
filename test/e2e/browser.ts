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
  /** Content-Security-Policy violations reported in any page of the session; close() fails on any. */
  cspViolations: string[];
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
  const cspViolations: string[] = [];
  // Every document of the session (reloads and new tabs too) reports the CSP violations it sees.
  await context.exposeBinding('__pkmCspViolation', (_source, line: string) => {
    cspViolations.push(line);
  });
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      const report = (window as unknown as { __pkmCspViolation(line: string): Promise<void> })
        .__pkmCspViolation;
      void report(
        `${e.effectiveDirective} blocked ${e.blockedURI || '(inline)'} at ${e.sourceFile}:${e.lineNumber}`,
      );
    });
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
    cspViolations,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
      if (cspViolations.length > 0) {
        throw new Error(`Content-Security-Policy violations: ${cspViolations.slice(0, 10).join('; ')}`);
      }
    },
  };
}
