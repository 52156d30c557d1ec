import type { Page } from 'playwright-core';
import { afterEach, expect, inject, test } from 'vitest';
import { labelled, openApp, TINY_HASH, trainingStep, waitForLiveModel } from './app-helpers';
import type { OpenPage } from './browser';

let session: OpenPage | undefined;
afterEach(async () => {
  await session?.close();
  session = undefined;
});

/** Calls the page's engine debug command (the page was opened with ?debug). */
async function debug(page: Page, action: 'lose-device' | 'nan-next-step'): Promise<void> {
  await page.evaluate(async (a) => {
    const pkm = (window as unknown as { __pkm: { engine: { debug(a: string): Promise<void> } } }).__pkm;
    await pkm.engine.debug(a);
  }, action);
}

test('a NaN loss stops training with a banner that keeps the last good step and offers a reset', async () => {
  session = await openApp(inject('baseUrl'), TINY_HASH, { debug: true });
  const { page } = session;
  await waitForLiveModel(page);
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  await expect.poll(() => trainingStep(page), { timeout: 60_000 }).toBeGreaterThanOrEqual(2);
  await debug(page, 'nan-next-step');
  const banner = page.getByRole('alert', { name: /^Training diverged at step \d+$/ });
  await expect.poll(() => banner.count(), { timeout: 60_000 }).toBe(1);
  const kept = Number((await banner.getAttribute('aria-label'))!.match(/\d+/)![0]);
  await expect.poll(() => trainingStep(page), { timeout: 15_000 }).toBe(kept);
  expect(await page.getByRole('button', { name: 'Train', exact: true }).count()).toBe(1);
  expect(await labelled(page, 'Training loss')).toMatch(/^\d+\.\d{3}$/);
  await banner.getByRole('button', { name: 'Reset model' }).click();
  await expect.poll(() => trainingStep(page), { timeout: 30_000 }).toBe(0);
  expect(await banner.count()).toBe(0);
});

test('a lost GPU device restarts the engine on another backend from the last checkpoint', async () => {
  session = await openApp(inject('baseUrl'), TINY_HASH, { debug: true, query: 'checkpointEveryMs=300' });
  const { page } = session;
  await waitForLiveModel(page);
  expect(await labelled(page, 'Backend')).toBe('webgpu');
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  await expect.poll(() => trainingStep(page), { timeout: 60_000 }).toBeGreaterThanOrEqual(3);
  // Recovery checkpoints come every 300 ms while training.
  await page.waitForTimeout(1_500);
  await debug(page, 'lose-device');
  await expect
    .poll(() => page.getByRole('status', { name: /device was lost — restarting/ }).count(), {
      timeout: 30_000,
    })
    .toBe(1);
  const restarted = page.getByRole('status', { name: /^Restarted on \w+ · restored step \d+$/ });
  await expect.poll(() => restarted.count(), { timeout: 120_000 }).toBe(1);
  const backend = await labelled(page, 'Backend');
  expect(backend).not.toBe('webgpu');
  const label = (await restarted.getAttribute('aria-label'))!;
  expect(label).toContain(`Restarted on ${backend}`);
  const restored = Number(label.match(/restored step (\d+)/)![1]);
  expect(restored).toBeGreaterThan(0);
  await expect.poll(() => trainingStep(page), { timeout: 30_000 }).toBeGreaterThanOrEqual(restored);
  if ((await page.getByRole('button', { name: 'Train', exact: true }).count()) === 1) {
    await restarted.getByRole('button', { name: 'Resume training' }).click();
  }
  await expect.poll(() => trainingStep(page), { timeout: 60_000 }).toBeGreaterThan(restored);
});
