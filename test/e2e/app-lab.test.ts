import { afterEach, expect, inject, test } from 'vitest';
import { labelled, openApp, TINY_HASH, trainingStep, waitForLiveModel } from './app-helpers';
import type { OpenPage } from './browser';

let session: OpenPage | undefined;
afterEach(async () => {
  await session?.close();
  session = undefined;
});

test('the lab reads its config from the link; bad values give a notice and the defaults', async () => {
  session = await openApp(inject('baseUrl'), 'page=lab&n_keys=16&knn=4&heads=1&query_norm=layernorm');
  const { page } = session;
  await expect
    .poll(() => page.getByRole('link', { name: 'Lab' }).getAttribute('aria-current'), { timeout: 15_000 })
    .toBe('page');
  expect(await page.getByRole('textbox', { name: /n_keys/ }).inputValue()).toBe('16');
  expect(await page.getByRole('textbox', { name: /knn/ }).inputValue()).toBe('4');
  expect(await page.getByRole('combobox', { name: /query_norm/ }).inputValue()).toBe('layernorm');
  expect(await page.getByRole('region', { name: 'Some settings in the link were not used' }).count()).toBe(0);

  await page.goto(`${inject('baseUrl')}#page=lab&${TINY_HASH.replace('knn=4', 'knn=999')}&colour=red`);
  await page.reload();
  const notice = page.getByRole('status', { name: 'Some settings in the link were not used' });
  await expect.poll(() => notice.count(), { timeout: 15_000 }).toBe(1);
  const text = await notice.textContent();
  expect(text).toContain('knn must be an integer from 1 to 64 (got 999); using the default 8.');
  expect(text).toContain('Unknown setting "colour" in the link was ignored.');
  expect(await page.getByRole('textbox', { name: /knn/ }).inputValue()).toBe('8');
  expect(await page.getByRole('textbox', { name: /n_keys/ }).inputValue()).toBe('16');
  await notice.getByRole('button', { name: 'Dismiss' }).click();
  await expect.poll(() => notice.count(), { timeout: 15_000 }).toBe(0);
  expect(session.errors).toEqual([]);
});

test('an invalid setting shows its rule, is not applied, and the URL follows applied settings only', async () => {
  session = await openApp(inject('baseUrl'), `page=lab&${TINY_HASH}`);
  const { page } = session;
  const kDim = page.getByRole('textbox', { name: /k_dim/ });
  await kDim.fill('7');
  await expect
    .poll(() => page.getByText('k_dim must be even: the query is split in two halves (got 7)').count())
    .toBe(1);
  expect(await kDim.getAttribute('aria-invalid')).toBe('true');
  expect(await page.getByRole('button', { name: 'Apply and rebuild' }).isDisabled()).toBe(true);
  await page.getByRole('button', { name: 'Revert' }).click();
  expect(await kDim.inputValue()).toBe('8');
  expect(page.url()).not.toContain('k_dim=7');

  // A valid change is applied: the URL follows and the model is rebuilt with it.
  await waitForLiveModel(page);
  await page.getByRole('button', { name: 'Step', exact: true }).click();
  await expect.poll(() => trainingStep(page), { timeout: 30_000 }).toBe(1);
  const knn = page.getByRole('textbox', { name: /knn/ });
  await knn.fill('2');
  await page.getByRole('button', { name: 'Apply and rebuild' }).click();
  await expect.poll(() => page.url(), { timeout: 15_000 }).toContain('knn=2');
  await waitForLiveModel(page);
  await expect.poll(() => trainingStep(page), { timeout: 30_000 }).toBe(0);
  expect(await page.getByRole('region', { name: 'Model' }).textContent()).toMatch(/Parameters/);
  expect(await labelled(page, 'Backend')).toBe('webgpu');
  expect(session.errors).toEqual([]);
});

test('tabs switch pages through the hash; the theme toggle and the help dialog work', async () => {
  session = await openApp(inject('baseUrl'));
  const { page } = session;
  await page.getByRole('link', { name: 'Results' }).click();
  await expect.poll(() => page.url(), { timeout: 15_000 }).toContain('page=results');
  expect(await page.getByRole('region', { name: 'Results' }).textContent()).toContain('experiments');
  await page.goBack();
  await expect
    .poll(() => page.getByRole('link', { name: 'Notebook' }).getAttribute('aria-current'))
    .toBe('page');
  await page.getByRole('radio', { name: 'Dark theme' }).check();
  expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
  const bg = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
  expect(bg).toBe('rgb(17, 21, 29)');
  await page.getByRole('radio', { name: 'System theme' }).check();
  expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBeUndefined();
  await page.getByRole('button', { name: 'Keyboard shortcuts' }).click();
  const dialog = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  expect(await dialog.textContent()).toContain('Train / pause');
  await dialog.getByRole('button', { name: 'Close' }).click();
  await expect.poll(() => dialog.isVisible(), { timeout: 15_000 }).toBe(false);
  expect(session.errors).toEqual([]);
});
