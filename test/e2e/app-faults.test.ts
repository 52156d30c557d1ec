import type { Page } from 'playwright-core';
import { preview } from 'vite';
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
  try {
    await expect.poll(() => restarted.count(), { timeout: 90_000 }).toBe(1);
  } catch (err) {
    // What the page said meanwhile is the only clue to why no restart showed.
    console.log(session?.logs.slice(-40).join('\n'));
    throw err;
  }
  return Number((await restarted.getAttribute('aria-label'))!.match(/restored step (\d+)/)![1]);
}

test('a crash on wasm with the server stopped restarts on wasm from memory, a few seconds of training lost', async () => {
  // A server of its own, so that this test can stop it.
  const server = await preview({
    logLevel: 'warn',
    preview: { host: '127.0.0.1', port: 4890, strictPort: false },
  });
  try {
    session = await openApp(server.resolvedUrls!.local[0], TINY_HASH, { debug: true });
    const { page } = session;
    await waitForLiveModel(page);
    expect(await labelled(page, 'Backend')).toBe('wasm');
    await page.getByRole('button', { name: 'Train', exact: true }).click();
    await expect.poll(() => trainingStep(page), { timeout: 60_000 }).toBeGreaterThanOrEqual(3);
    // Default cadences: a recovery checkpoint comes every few seconds while training.
    await page.waitForTimeout(4_000);
    // Paused, so that the page answers the test at once (the debug command, the probe).
    await page.getByRole('button', { name: 'Pause', exact: true }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Train', exact: true }).count()).toBe(1);
    const pausedAt = await trainingStep(page);
    await server.close();
    const probe = await page.evaluate(() =>
      fetch('/?probe', { cache: 'no-store' }).then(
        () => 'reached',
        () => 'unreachable',
      ),
    );
    expect(probe).toBe('unreachable');
    const started = Date.now();
    await debug(page, 'crash');
    const restored = await restartedNotice(page, 'wasm');
    console.log(
      `e2e: crash at step ${pausedAt} with the server stopped → restarted on wasm from step ${restored} ` +
        `in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    // The pause sent a checkpoint: nothing was lost.
    expect(restored).toBe(pausedAt);
    expect(await labelled(page, 'Backend')).toBe('wasm');
    await page.getByRole('button', { name: 'Train', exact: true }).click();
    await expect.poll(() => trainingStep(page), { timeout: 60_000 }).toBeGreaterThan(restored + 2);
    await page.getByRole('button', { name: 'Pause', exact: true }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Train', exact: true }).count()).toBe(1);
  } finally {
    await server.close();
  }
});

test('a crash while training on wasm loses at most a few seconds and training goes on by itself on wasm', async () => {
  session = await openApp(inject('baseUrl'), TINY_HASH, { debug: true });
  const { page } = session;
  await waitForLiveModel(page);
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  await expect.poll(() => trainingStep(page), { timeout: 60_000 }).toBeGreaterThanOrEqual(3);
  const rateFrom = { step: await trainingStep(page), at: Date.now() };
  await page.waitForTimeout(5_000);
  const started = Date.now();
  await debug(page, 'crash');
  // The old worker's last step, still shown: the new one needs longer than this to start.
  const crashedAt = await trainingStep(page);
  const stepsPerSecond = ((crashedAt - rateFrom.step) * 1000) / (Date.now() - rateFrom.at);
  const restored = await restartedNotice(page, 'wasm');
  const tookMs = Date.now() - started;
  console.log(
    `e2e: crash at step ${crashedAt} → restarted on wasm from step ${restored} in ${(tookMs / 1000).toFixed(1)} s`,
  );
  // The default recovery checkpoint comes every 3 s of training: at most a few seconds are lost.
  const lostSeconds = (crashedAt - restored) / stepsPerSecond;
  console.log(`e2e: ${stepsPerSecond.toFixed(1)} steps/s, ${lostSeconds.toFixed(1)} s of training lost`);
  expect(restored).toBeGreaterThan(0);
  expect(lostSeconds).toBeLessThan(6);
  expect(await labelled(page, 'Backend')).toBe('wasm');
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
  await page.waitForTimeout(4_000);
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
