import { afterEach, expect, inject, test } from 'vitest';
import { labelled, openApp, TINY_HASH, trainingStep, waitForLiveModel } from './app-helpers';
import type { OpenPage } from './browser';

let session: OpenPage | undefined;
afterEach(async () => {
  await session?.close();
  session = undefined;
});

test('backend=webgpu forces the software GPU; its notice offers wasm, and the switch keeps the model and its step', async () => {
  session = await openApp(inject('baseUrl'), `${TINY_HASH}&backend=webgpu`);
  const { page } = session;
  await waitForLiveModel(page);
  expect(await labelled(page, 'Backend')).toBe('webgpu');
  const notice = page.getByRole('status', { name: 'The GPU is a software adapter' });
  await expect.poll(() => notice.count(), { timeout: 30_000 }).toBe(1);
  for (let i = 0; i < 3; i++) await page.getByRole('button', { name: 'Step', exact: true }).click();
  await expect.poll(() => trainingStep(page), { timeout: 60_000 }).toBe(3);
  await notice.getByRole('button', { name: 'Switch to wasm (faster here)' }).click();
  await expect.poll(() => labelled(page, 'Backend'), { timeout: 120_000 }).toBe('wasm');
  await waitForLiveModel(page);
  expect(await notice.count()).toBe(0);
  // The weights came along: the step is the one trained on webgpu, not a fresh model's 0.
  expect(await trainingStep(page)).toBe(3);
  expect(await page.evaluate(() => window.location.hash)).toContain('backend=wasm');
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  await expect.poll(() => trainingStep(page), { timeout: 60_000 }).toBeGreaterThan(10);
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
  expect(session.errors).toEqual([]);
});

test('auto runs on wasm and offers WebGPU anyway: the switch lands on WebGPU with the step, and the URL says so', async () => {
  session = await openApp(inject('baseUrl'), TINY_HASH);
  const { page } = session;
  await waitForLiveModel(page);
  expect(await labelled(page, 'Backend')).toBe('wasm');
  const notice = page.getByRole('status', {
    name: /^Training runs on wasm: the GPU here is a software adapter$/,
  });
  await expect.poll(() => notice.count(), { timeout: 30_000 }).toBe(1);
  for (let i = 0; i < 2; i++) await page.getByRole('button', { name: 'Step', exact: true }).click();
  await expect.poll(() => trainingStep(page), { timeout: 30_000 }).toBe(2);
  await notice.getByRole('button', { name: 'Use WebGPU anyway' }).click();
  await expect.poll(() => labelled(page, 'Backend'), { timeout: 120_000 }).toBe('webgpu');
  await waitForLiveModel(page);
  expect(await trainingStep(page)).toBe(2);
  expect(await page.evaluate(() => window.location.hash)).toContain('backend=webgpu');
  // Now forced onto the software adapter, its own notice offers the way back.
  await expect
    .poll(() => page.getByRole('status', { name: 'The GPU is a software adapter' }).count(), {
      timeout: 30_000,
    })
    .toBe(1);
  expect(session.errors).toEqual([]);
});

test('a lab link with memory at another layer than the precomputed run’s starts with no select error', async () => {
  const warnings: string[] = [];
  session = await openApp(
    inject('baseUrl'),
    `page=lab&${TINY_HASH.replace('layers=1&', 'layers=2&').replace('mem_layers=0', 'mem_layers=1')}`,
  );
  const { page } = session;
  page.on('console', (m) => {
    if (m.type() === 'warning' || m.type() === 'error') warnings.push(m.text());
  });
  await waitForLiveModel(page);
  // select is debounced and traces after the build: give it time to answer.
  await page.waitForTimeout(3_000);
  expect(await page.getByRole('alert').count()).toBe(0);
  expect(await page.getByText(/has no memory/).count()).toBe(0);
  expect(warnings.filter((w) => /has no memory|select/.test(w))).toEqual([]);
  expect(session.errors).toEqual([]);
});
