import { afterAll, beforeAll, expect, inject, test } from 'vitest';
import { labelled, waitForLiveModel } from './app-helpers';
import { type OpenPage, openPage } from './browser';

let session: OpenPage;

beforeAll(async () => {
  session = await openPage(inject('baseUrl'));
});
afterAll(async () => {
  await session?.close();
});

test('the built app picks wasm over a software WebGPU adapter, says why, and is ready to train within 20 s', async () => {
  const { page } = session;
  await waitForLiveModel(page, 60_000);
  // The page's clock starts at navigation: this is the time from load to an enabled Train.
  const readyMs = await page.evaluate(() => performance.now());
  const name = await labelled(page, 'Backend');
  console.log(
    `e2e: the default page is ready to train on ${name} ${(readyMs / 1000).toFixed(1)} s after load`,
  );
  // Chromium here has only SwiftShader's software WebGPU: the automatic choice is wasm.
  expect(name).toBe('wasm');
  expect(readyMs).toBeLessThan(20_000);
  const notice = page.getByRole('status', {
    name: /^Training runs on wasm: the GPU here is a software adapter$/,
  });
  await expect.poll(() => notice.count()).toBe(1);
  expect(await notice.textContent()).toMatch(/swiftshader/i);
  expect(await notice.textContent()).toMatch(
    /Not webgl: tried after wasm, since .*copies whole value tables/,
  );
  expect(await notice.getByRole('button', { name: 'Use WebGPU anyway' }).count()).toBe(1);
  // The notice says it all: no second "Training runs on wasm" banner.
  expect(await page.getByRole('status', { name: 'Training runs on wasm', exact: true }).count()).toBe(0);
  expect(session.errors).toEqual([]);
});
