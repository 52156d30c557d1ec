import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, inject, test } from 'vitest';
import { EXPERIMENT_NAMES } from '../../src/model/experiments/definitions';
import type { ExperimentResult } from '../../src/model/experiments/types';
import { labelled, openApp, TINY_HASH, trainingStep, waitForLiveModel } from './app-helpers';
import type { OpenPage } from './browser';

const RESULTS_DIR = join(import.meta.dirname, '../../experiments/results');

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
  // The rebuild stays on the backend the automatic choice made (wasm over a software GPU).
  expect(await labelled(page, 'Backend')).toBe('wasm');
  expect(session.errors).toEqual([]);
});

test('tabs switch pages through the hash; the theme toggle and the help dialog work', async () => {
  session = await openApp(inject('baseUrl'));
  const { page } = session;
  await page.getByRole('link', { name: 'Results' }).click();
  await expect.poll(() => page.url(), { timeout: 15_000 }).toContain('page=results');
  const results = page.getByRole('region', { name: 'Results' });
  expect(await results.textContent()).toContain('experiments');
  // The committed experiment results are bundled: each shows its arm table; the others say how to run them.
  for (const file of readdirSync(RESULTS_DIR).filter((f) => f.endsWith('.json'))) {
    const result = JSON.parse(readFileSync(join(RESULTS_DIR, file), 'utf8')) as ExperimentResult;
    const table = page.getByRole('table', { name: `${result.experiment}: configs` });
    await table.waitFor({ timeout: 15_000 });
    expect(await table.getByRole('row').count()).toBe(result.arms.length + 1);
    for (const arm of result.arms) {
      expect(await table.getByRole('rowheader', { name: arm.label, exact: true }).count()).toBe(1);
    }
  }
  const missing = EXPERIMENT_NAMES.filter((n) => !existsSync(join(RESULTS_DIR, `${n}.json`)));
  for (const name of missing) {
    expect(await results.textContent()).toContain(`npm run -s pkm -- experiment ${name}`);
  }
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

test('Open in lab on the Results page puts the arm’s config into the link and opens the lab', async () => {
  const files = readdirSync(RESULTS_DIR).filter((f) => f.endsWith('.json'));
  expect(files.length).toBeGreaterThan(0);
  const result = JSON.parse(readFileSync(join(RESULTS_DIR, files[0]), 'utf8')) as ExperimentResult;
  // The smallest arm: the lab rebuilds it on the software adapter.
  const arm = [...result.arms].sort((a, b) => a.summary.params - b.summary.params)[0];
  session = await openApp(inject('baseUrl'), 'page=results');
  const { page } = session;
  // The button also says how many steps reproduce the row ("… · 1,200 steps").
  await page.getByRole('button', { name: `Open ${arm.label} in the lab · ` }).click();
  await expect.poll(() => page.url(), { timeout: 15_000 }).toContain('page=lab');
  const hash = new URLSearchParams(new URL(page.url()).hash.slice(1));
  expect(hash.get('n_keys')).toBe(String(arm.config.n_keys));
  expect(hash.get('layers')).toBe(String(arm.config.layers));
  expect(hash.get('mem_layers')).toBe(arm.config.mem_layers.join(','));
  expect(await page.getByRole('textbox', { name: /n_keys/ }).inputValue()).toBe(String(arm.config.n_keys));
  expect(session.errors).toEqual([]);
});

test('shared values: a checkbox that needs two memory blocks, applied through the URL, trains', async () => {
  const hash = TINY_HASH.replace('&layers=1&', '&layers=2&');
  session = await openApp(inject('baseUrl'), `page=lab&${hash}`);
  const { page } = session;
  const shared = page.getByRole('checkbox', { name: /mem_share_values/ });
  await shared.check();
  await expect
    .poll(() =>
      page.getByText(/^mem_share_values shares one value table .* at least 2 in mem_layers/).count(),
    )
    .toBe(1);
  expect(await shared.getAttribute('aria-invalid')).toBe('true');
  expect(await page.getByRole('button', { name: 'Apply and rebuild' }).isDisabled()).toBe(true);
  // Memory blocks are numbered from 1 in the form (0-based in the link).
  await page.getByRole('textbox', { name: /mem_layers/ }).fill('1,2');
  await waitForLiveModel(page);
  await page.getByRole('button', { name: 'Apply and rebuild' }).click();
  await expect.poll(() => page.url(), { timeout: 15_000 }).toContain('mem_share_values=true');
  await waitForLiveModel(page);
  await page.getByRole('button', { name: 'Step', exact: true }).click();
  await expect.poll(() => trainingStep(page), { timeout: 30_000 }).toBe(1);
  expect(session.errors).toEqual([]);
});
