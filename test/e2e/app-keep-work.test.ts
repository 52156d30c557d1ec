import { readFileSync } from 'node:fs';
import type { Locator, Page } from 'playwright-core';
import { afterEach, expect, inject, test } from 'vitest';
import precomputed from '../../src/app/precomputed/defaultRun.json';
import { labelled, openApp, TINY_HASH, trainingStep, waitForLiveModel } from './app-helpers';
import type { OpenPage } from './browser';

let session: OpenPage | undefined;
afterEach(async () => {
  await session?.close();
  session = undefined;
});

/** The step of the autosaved run in the page's IndexedDB (null: none). */
function autosavedStep(page: Page): Promise<number | null> {
  return page.evaluate(
    () =>
      new Promise<number | null>((resolve) => {
        const open = indexedDB.open('pkm-explorer-runs');
        open.onerror = () => resolve(null);
        open.onsuccess = () => {
          const db = open.result;
          if (!db.objectStoreNames.contains('runs')) return resolve(null);
          const get = db.transaction('runs').objectStore('runs').get('autosave');
          get.onsuccess = () => resolve((get.result as { step: number } | undefined)?.step ?? null);
          get.onerror = () => resolve(null);
        };
      }),
  );
}

const dataTag = (page: Page) => page.locator('.aside-card .data-tag').first().textContent();

test('the notebook’s live model continues the precomputed run: same step and loss, then Train goes on', async () => {
  // wasm: the software WebGPU adapter of this machine is far slower (the default model is not tiny).
  session = await openApp(inject('baseUrl'), 'backend=wasm');
  const { page } = session;
  const steps = precomputed.steps;
  const lastLoss = precomputed.losses[steps - 1].toFixed(3);
  await expect.poll(() => dataTag(page), { timeout: 10_000 }).toBe(`precomputed · step ${steps}`);
  const usage = await labelled(page, 'Memory usage');
  await waitForLiveModel(page, 150_000);
  expect(await dataTag(page)).toBe(`live · step ${steps}`);
  expect(await trainingStep(page)).toBe(steps);
  expect(await labelled(page, 'Training loss')).toBe(lastLoss);
  expect(await labelled(page, 'Memory usage')).toBe(usage);
  await page.getByRole('button', { name: 'Step', exact: true }).click();
  await expect.poll(() => trainingStep(page), { timeout: 60_000 }).toBe(steps + 1);
  const loss = Number(await labelled(page, 'Training loss'));
  // A trained model's next step, not a fresh model's (whose loss is ~5.5 nats).
  expect(Math.abs(loss - Number(lastLoss))).toBeLessThan(0.5);
  expect(session.errors).toEqual([]);
});

test('a custom config from a link shows the live model’s lookup once warmed up, before any training', async () => {
  session = await openApp(inject('baseUrl'), TINY_HASH);
  const { page } = session;
  await waitForLiveModel(page);
  expect(await trainingStep(page)).toBe(0);
  for (const name of ['Query halves', 'Sub-key scores', 'Candidate grid']) {
    await expect
      .poll(() => page.locator(`figure[aria-label*="${name}"] svg`).count(), { timeout: 20_000 })
      .toBeGreaterThan(0);
  }
  expect(await page.locator('.data-tag--live').first().textContent()).toBe('live · step 0');
  expect(session.errors).toEqual([]);
});

test('the live run is autosaved and offered after a reload; Restore brings back step, loss and usage', async () => {
  session = await openApp(inject('baseUrl'), TINY_HASH, { query: 'checkpointEveryMs=500' });
  const { page } = session;
  await waitForLiveModel(page);
  const step = page.getByRole('button', { name: 'Step', exact: true });
  for (let i = 1; i <= 3; i++) {
    await step.click();
    await expect.poll(() => trainingStep(page), { timeout: 30_000 }).toBe(i);
  }
  const loss = await labelled(page, 'Training loss');
  const usage = await labelled(page, 'Memory usage');
  expect(usage).toMatch(/^\d+\.\d%$/);
  await expect.poll(() => autosavedStep(page), { timeout: 20_000 }).toBe(3);
  await page.reload();
  const notice = page.getByRole('status', { name: 'Restore your unsaved run?' });
  await expect.poll(() => notice.isVisible(), { timeout: 20_000 }).toBe(true);
  expect(await notice.textContent()).toContain('step 3');
  await waitForLiveModel(page);
  expect(await trainingStep(page)).toBe(0);
  await notice.getByRole('button', { name: 'Restore' }).click();
  await expect.poll(() => trainingStep(page), { timeout: 30_000 }).toBe(3);
  expect(await labelled(page, 'Training loss')).toBe(loss);
  expect(await labelled(page, 'Memory usage')).toBe(usage);
  await expect.poll(() => notice.count(), { timeout: 10_000 }).toBe(0);
  expect(session.errors).toEqual([]);
});

test('Discard forgets the autosave; the r key resets a trained run with an Undo', async () => {
  session = await openApp(inject('baseUrl'), TINY_HASH, { query: 'checkpointEveryMs=500' });
  const { page } = session;
  await waitForLiveModel(page);
  await page.getByRole('button', { name: 'Step', exact: true }).click();
  await expect.poll(() => autosavedStep(page), { timeout: 20_000 }).toBe(1);
  await page.reload();
  const offer = page.getByRole('status', { name: 'Restore your unsaved run?' });
  await offer.getByRole('button', { name: 'Discard' }).click();
  await expect.poll(() => autosavedStep(page), { timeout: 10_000 }).toBeNull();
  await waitForLiveModel(page);
  await page.getByRole('button', { name: 'Step', exact: true }).click();
  await page.getByRole('button', { name: 'Step', exact: true }).click();
  await expect.poll(() => trainingStep(page), { timeout: 30_000 }).toBe(2);
  const loss = await labelled(page, 'Training loss');
  await page.locator('body').click({ position: { x: 5, y: 300 } });
  await page.keyboard.press('r');
  await expect.poll(() => trainingStep(page), { timeout: 30_000 }).toBe(0);
  const undo = page.getByRole('status', { name: 'Reset to a fresh model' });
  expect(await undo.textContent()).toContain('step 2');
  await undo.getByRole('button', { name: 'Undo' }).click();
  await expect.poll(() => trainingStep(page), { timeout: 30_000 }).toBe(2);
  expect(await labelled(page, 'Training loss')).toBe(loss);
  await expect.poll(() => undo.count(), { timeout: 10_000 }).toBe(0);
  expect(session.errors).toEqual([]);
});

/** Drops a file on a drop zone, as a user dragging it from the desktop. */
async function dropFile(page: Page, zone: Locator, name: string, bytes: Uint8Array): Promise<void> {
  const transfer = await page.evaluateHandle(
    ({ name, data }) => {
      const dt = new DataTransfer();
      dt.items.add(new File([Uint8Array.from(data)], name));
      return dt;
    },
    { name, data: Array.from(bytes) },
  );
  await zone.dispatchEvent('dragover', { dataTransfer: transfer });
  await zone.dispatchEvent('drop', { dataTransfer: transfer });
}

test('a run downloaded as a file or saved in the browser loads back with its loss curve and usage map', async () => {
  session = await openApp(inject('baseUrl'), `page=lab&${TINY_HASH}`);
  const { page } = session;
  await waitForLiveModel(page);
  for (let i = 1; i <= 3; i++) {
    await page.getByRole('button', { name: 'Step', exact: true }).click();
    await expect.poll(() => trainingStep(page), { timeout: 30_000 }).toBe(i);
  }
  const loss = await labelled(page, 'Training loss');
  const usage = await labelled(page, 'Memory usage');
  expect(usage).toMatch(/^\d+\.\d%$/);
  const saved = page.locator('[data-slot="savedRuns"]');
  await saved.getByLabel('Name').fill('kept');
  await saved.getByRole('button', { name: 'Save run' }).click();
  await saved.getByText('Saved “kept” (step 3').waitFor({ timeout: 30_000 });
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    saved.getByRole('button', { name: 'Download current run (.safetensors)' }).click(),
  ]);
  const bytes = new Uint8Array(readFileSync((await download.path())!));

  await page.getByRole('button', { name: 'Reset', exact: true }).click();
  await expect.poll(() => trainingStep(page), { timeout: 30_000 }).toBe(0);
  await dropFile(page, saved.locator('.lab-drop').first(), 'run.safetensors', bytes);
  await saved.getByText('Loaded run.safetensors at step 3').waitFor({ timeout: 60_000 });
  expect(await labelled(page, 'Training loss')).toBe(loss);
  expect(await labelled(page, 'Memory usage')).toBe(usage);

  await page.reload();
  await waitForLiveModel(page);
  await saved.getByRole('button', { name: 'Load kept', exact: true }).click();
  await saved.getByText('Loaded “kept” at step 3.').waitFor({ timeout: 60_000 });
  expect(await labelled(page, 'Training loss')).toBe(loss);
  expect(await labelled(page, 'Memory usage')).toBe(usage);
  expect(session.errors).toEqual([]);
});
