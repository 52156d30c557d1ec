/**
 * The pages as a newcomer sees them: every text readable (WCAG AA contrast, light and dark), no
 * sideways page scroll on a phone, and the Content-Security-Policy in force (every page opened by
 * the e2e helpers fails on a violation; here the policy itself is checked).
 */
import type { Page } from 'playwright-core';
import { afterEach, expect, inject, test } from 'vitest';
import { openApp, TINY_HASH, waitForLiveModel } from './app-helpers';
import type { OpenPage } from './browser';
import { contrastOffenders, horizontalOverflow, truncatedTexts } from './pageChecks';

let session: OpenPage | undefined;
afterEach(async () => {
  await session?.close();
  session = undefined;
});

const PAGES = ['Notebook', 'Lab', 'Results'] as const;
// wasm warms the tiny model up in seconds (software WebGPU takes far longer on a machine without a GPU).
const HASH = `${TINY_HASH}&backend=wasm`;

async function openTab(page: Page, name: (typeof PAGES)[number]): Promise<void> {
  await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name, exact: true }).click();
  await page.waitForFunction(
    (p) => document.querySelector('.app')?.getAttribute('data-page') === p,
    name.toLowerCase(),
  );
  // Let figures that size themselves to their box settle.
  await page.waitForTimeout(400);
}

/** A live model that has trained a few steps, so the live tags, loss and usage are on screen. */
async function liveRun(page: Page): Promise<void> {
  await waitForLiveModel(page);
  await page.getByRole('button', { name: 'Step', exact: true }).click();
  await page.getByRole('button', { name: 'Step', exact: true }).click();
  await expect.poll(async () => page.getByLabel('Training step', { exact: true }).textContent()).toBe('2');
}

for (const scheme of ['light', 'dark'] as const) {
  test(`every visible text meets WCAG AA contrast and none is cut off, on each page (${scheme})`, async () => {
    session = await openApp(inject('baseUrl'), HASH, { colorScheme: scheme });
    const { page } = session;
    await liveRun(page);
    const report = new Set<string>();
    let checked = 0;
    for (const name of PAGES) {
      await openTab(page, name);
      for (const cut of await truncatedTexts(page)) report.add(`${name}: cut off ${cut}`);
      const result = await contrastOffenders(page);
      checked += result.checked;
      for (const o of result.offenders) {
        report.add(
          `${name}: "${o.text}" ${o.where} ${o.color} on ${o.background} = ${o.ratio}:1 (needs ${o.needed})`,
        );
      }
    }
    expect(checked).toBeGreaterThan(200);
    expect([...report], [...report].join('\n')).toEqual([]);
  });
}

test('no page scrolls sideways on a phone (390 and 360 px wide) and no text is cut off', async () => {
  session = await openApp(inject('baseUrl'), HASH);
  const { page } = session;
  await liveRun(page);
  const report: string[] = [];
  for (const [width, height] of [
    [390, 844],
    [360, 740],
  ]) {
    await page.setViewportSize({ width, height });
    for (const name of PAGES) {
      await openTab(page, name);
      const { overflow, culprits } = await horizontalOverflow(page);
      if (overflow > 0)
        report.push(`${name} at ${width} px: ${overflow} px too wide (${culprits.join(', ')})`);
    }
  }
  expect(report, report.join('\n')).toEqual([]);
});

test('the built app carries its Content-Security-Policy, and a violation is caught', async () => {
  session = await openApp(inject('baseUrl'), HASH);
  const { page } = session;
  const policy = await page.getAttribute('meta[http-equiv="Content-Security-Policy"]', 'content');
  for (const directive of [
    "default-src 'self'",
    "script-src 'self' 'wasm-unsafe-eval'",
    "worker-src 'self' blob:",
    "connect-src 'self'",
    "frame-src 'none'",
    "object-src 'none'",
    "base-uri 'none'",
  ]) {
    expect(policy).toContain(directive);
  }
  // The live model builds and trains under the policy (the worker, tfjs' wasm, the precomputed run).
  await liveRun(page);
  expect(session.cspViolations).toEqual([]);
  // An inline script is refused and reported: the helper's listener works.
  await page.evaluate(() => {
    const s = document.createElement('script');
    s.textContent = 'window.__inlineRan = true';
    document.body.append(s);
  });
  await expect.poll(() => session!.cspViolations.length).toBeGreaterThan(0);
  expect(
    await page.evaluate(() => (window as unknown as { __inlineRan?: boolean }).__inlineRan),
  ).toBeUndefined();
  expect(session.cspViolations[0]).toMatch(/script-src/);
  session.cspViolations.length = 0;
});

test('"Rebuild and retrain" rebuilds the model with the new setting and starts training it', async () => {
  session = await openApp(inject('baseUrl'), HASH);
  const { page } = session;
  await liveRun(page);
  const control = page.locator('.rebuild').first();
  const select = control.getByRole('combobox', { name: 'k', exact: true });
  const options = await select
    .locator('option')
    .evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
  const current = await select.inputValue();
  await select.selectOption(options.find((v) => v !== current)!);
  await control.getByRole('button', { name: 'Rebuild and retrain' }).click();
  // Training runs on the fresh model: Pause shows and the step counts up from 0.
  await expect
    .poll(() => page.getByRole('button', { name: 'Pause', exact: true }).count(), { timeout: 60_000 })
    .toBe(1);
  await expect
    .poll(() => page.getByLabel('Training step', { exact: true }).textContent(), { timeout: 60_000 })
    .not.toBe('0');
  expect(session.errors).toEqual([]);
});

test('settings that do not fit stop the run bar with the fix, which keeps the chosen backend', async () => {
  // 1,048,576 slots of 512 values with their Adam moments: far over the engine's memory cap.
  session = await openApp(inject('baseUrl'), 'page=lab&n_keys=1024&d_model=512&backend=wasm');
  const { page } = session;
  const status = page.getByRole('status', { name: 'Model status' });
  await expect
    .poll(() => status.textContent(), { timeout: 60_000 })
    .toContain('Stopped · these settings do not fit in memory');
  expect(await page.getByRole('button', { name: 'Train', exact: true }).isDisabled()).toBe(true);
  await status.getByRole('button', { name: 'Use the default settings' }).click();
  await waitForLiveModel(page);
  expect(await status.textContent()).toContain('Live · paused on wasm');
  expect(new URLSearchParams((await page.evaluate(() => location.hash)).slice(1)).get('backend')).toBe(
    'wasm',
  );
});
