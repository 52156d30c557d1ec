import { afterEach, expect, inject, test } from 'vitest';
import { openApp, TINY_HASH, waitForLiveModel } from './app-helpers';
import type { OpenPage } from './browser';
import { contrastOffenders, horizontalOverflow } from './pageChecks';

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

test('the notebook asks the live model facts; a slot its answer read opens in the slot inspector', async () => {
  session = await openApp(inject('baseUrl'), TINY_HASH);
  const { page } = session;
  await waitForLiveModel(page);
  // Facts are asked only while the figure is on screen.
  await page.getByRole('heading', { name: 'Facts the live model is asked' }).scrollIntoViewIfNeeded();
  const list = page.getByRole('list', { name: 'Facts asked' });
  await expect.poll(() => list.getByRole('listitem').count(), { timeout: 60_000 }).toBe(24);
  const summary = await page.getByText(/of 24 facts recalled/).textContent();
  console.log(`e2e: the untrained tiny model: ${summary}`);
  // One fact is picked, and its answer's slots are listed (1 head × k = 4 in the tiny model).
  await expect.poll(() => list.getByRole('button', { pressed: true }).count()).toBe(1);
  const slots = page.getByRole('region', { name: 'Slots the answer read' }).getByRole('button');
  expect(await slots.count()).toBe(4);
  const first = slots.first();
  const slot = Number((await first.getAttribute('aria-label'))?.match(/^Slot (\d+),/)?.[1]);
  await first.click();
  await expect.poll(() => first.getAttribute('aria-pressed')).toBe('true');
  // The inspector reads the validation text with the live model, then shows that slot (or says the
  // text never selected it).
  const inspected = async () =>
    (await page.locator(`figure[aria-label="Slot inspector, slot ${slot}"]`).count()) +
    (await page.getByText(`selected slot ${slot};`).count());
  await expect.poll(inspected, { timeout: 60_000 }).toBeGreaterThan(0);
  // Readable (WCAG AA) with a fact and a slot picked, and no sideways scroll on a phone.
  const { offenders } = await contrastOffenders(page);
  expect(offenders, JSON.stringify(offenders)).toEqual([]);
  await page.setViewportSize({ width: 360, height: 740 });
  await page.waitForTimeout(300);
  const { overflow, culprits } = await horizontalOverflow(page);
  expect(overflow, culprits.join(', ')).toBe(0);
  expect(session.errors).toEqual([]);
});
