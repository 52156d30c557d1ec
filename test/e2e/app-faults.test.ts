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
async function debug(page: Page, action: 'lose-device' | 'nan-next-step' | 'crash' | 'exit'): Promise<void> {
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

test('a lost GPU device restarts the engine on another backend from the last checkpoint and training goes on', async () => {
  // WebGPU is only a software adapter here: the link forces it, as a user can.
  session = await openApp(inject('baseUrl'), `${TINY_HASH}&backend=webgpu`, {
    debug: true,
    query: 'checkpointEveryMs=300',
  });
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
  // Training goes on by itself: no Resume, and the step count grows with no click.
  await expect.poll(() => trainingStep(page), { timeout: 60_000 }).toBeGreaterThan(restored + 1);
  expect(await page.getByRole('button', { name: 'Train', exact: true }).count()).toBe(0);
  expect(await restarted.getByRole('button', { name: 'Resume training' }).count()).toBe(0);
  // The step error the lost device caused was not reported as a fault of its own.
  expect(await page.getByRole('alert', { name: /^Training stopped at step/ }).count()).toBe(0);
  // The forced backend could not be kept: the URL says where the engine runs now.
  expect(await page.evaluate(() => window.location.hash)).toContain(`backend=${backend}`);
});

/** The step and the restored step of the "Restarted on … · restored step N" notice, once it shows. */
async function restartedNotice(page: Page, backend: string): Promise<number> {
  const restarted = page.getByRole('status', {
    name: new RegExp(`^Restarted on ${backend} · restored step \\d+$`),
  });
  await expect.poll(() => restarted.count(), { timeout: 90_000 }).toBe(1);
  return Number((await restarted.getAttribute('aria-label'))!.match(/restored step (\d+)/)![1]);
}

test('a crash on wasm while offline restarts on wasm with no network, a few seconds of training lost, and training goes on', async () => {
  // Default cadences: the recovery checkpoint comes every few seconds by itself.
  session = await openApp(inject('baseUrl'), TINY_HASH, { debug: true });
  const { page } = session;
  await waitForLiveModel(page);
  expect(await labelled(page, 'Backend')).toBe('wasm');
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  await expect.poll(() => trainingStep(page), { timeout: 60_000 }).toBeGreaterThanOrEqual(3);
  await page.waitForTimeout(4_000);
  // The server is gone for the page and its workers: a new worker cannot fetch anything.
  await page.context().route('**/*', (route) => route.abort('internetdisconnected'));
  await page.context().setOffline(true);
  expect(
    await page.evaluate(() =>
      fetch('/').then(
        () => 'reached',
        () => 'offline',
      ),
    ),
  ).toBe('offline');
  const started = Date.now();
  const crashedAt = await trainingStep(page);
  await debug(page, 'crash');
  const restored = await restartedNotice(page, 'wasm');
  console.log(
    `e2e: crash at step ${crashedAt} while offline → restarted on wasm from step ${restored} ` +
      `in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  expect(restored).toBeGreaterThan(0);
  expect(await labelled(page, 'Backend')).toBe('wasm');
  // Training goes on by itself on the new worker.
  await expect.poll(() => trainingStep(page), { timeout: 60_000 }).toBeGreaterThan(restored + 2);
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
  await expect.poll(() => page.getByRole('button', { name: 'Train', exact: true }).count()).toBe(1);
});

test('a worker that exits silently is noticed and replaced; a Pause pressed meanwhile still pauses', async () => {
  session = await openApp(inject('baseUrl'), TINY_HASH, { debug: true });
  const { page } = session;
  await waitForLiveModel(page);
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  await expect.poll(() => trainingStep(page), { timeout: 60_000 }).toBeGreaterThanOrEqual(3);
  const started = Date.now();
  await debug(page, 'exit');
  // Nothing says the worker is gone: the UI still trains, and Pause must not be dead.
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
  const restored = await restartedNotice(page, 'wasm');
  console.log(
    `e2e: silent exit → restarted on wasm from step ${restored} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  await expect
    .poll(() => page.getByRole('button', { name: 'Train', exact: true }).count(), { timeout: 30_000 })
    .toBe(1);
  const paused = await trainingStep(page);
  await page.waitForTimeout(1_500);
  expect(await trainingStep(page)).toBe(paused);
  expect(await page.getByRole('alert', { name: /failed/ }).count()).toBe(0);
  // Reset works on the new worker (called directly: the button may ask for a confirmation).
  await page.evaluate(async () => {
    const pkm = (window as unknown as { __pkm: { engine: { reset(): Promise<void> } } }).__pkm;
    await pkm.engine.reset();
  });
  await expect.poll(() => trainingStep(page), { timeout: 30_000 }).toBe(0);
});
