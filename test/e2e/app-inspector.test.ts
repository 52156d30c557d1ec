import { afterEach, expect, inject, test } from 'vitest';
import { openApp, TINY_HASH, waitForLiveModel } from './app-helpers';
import type { OpenPage } from './browser';

let session: OpenPage | undefined;
afterEach(async () => {
  await session?.close();
  session = undefined;
});

test('the slot inspector reads the validation text with the live model in one readText', async () => {
  session = await openApp(inject('baseUrl'), TINY_HASH);
  const { page } = session;
  await waitForLiveModel(page);
  const scan = page.getByRole('button', { name: 'Trace 256 bytes with the live model' });
  await scan.scrollIntoViewIfNeeded();
  await expect.poll(() => scan.isEnabled(), { timeout: 30_000 }).toBe(true);
  const started = Date.now();
  await scan.click();
  const note = page.getByText(/^Contexts from 256 bytes of the validation text/);
  await expect.poll(() => note.count(), { timeout: 60_000 }).toBe(1);
  console.log(`e2e: slot inspector read 256 bytes with the live model in ${Date.now() - started} ms`);
  expect(session.errors).toEqual([]);
});
