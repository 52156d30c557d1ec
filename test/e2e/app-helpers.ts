import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { type OpenPage, openPage } from './browser';

/**
 * A config small enough to train quickly on SwiftShader's software WebGPU: one block whose
 * feed-forward is a 16² product-key memory.
 */
export const TINY_HASH =
  'd_model=16&layers=1&attn_heads=2&context=8&ffn_mult=1&mem_layers=0&n_keys=16&knn=4&heads=1&k_dim=8&batch=4&warmup=5';

/**
 * Opens the app and records, from the first byte of the document, when the first lookup figure
 * and the first usage heat map appeared and whether they were labelled as precomputed then.
 */
export async function openApp(
  baseUrl: string,
  hash = '',
  options: { colorScheme?: 'light' | 'dark'; debug?: boolean; query?: string } = {},
): Promise<OpenPage> {
  const query = [options.debug ? 'debug' : '', options.query ?? ''].filter(Boolean).join('&');
  const url = `${baseUrl}${query ? `?${query}` : ''}${hash ? `#${hash}` : ''}`;
  const session = await openPage('about:blank', { colorScheme: options.colorScheme });
  await session.page.addInitScript(() => {
    const marks: Record<string, number | boolean> = {};
    (window as unknown as { __marks: typeof marks }).__marks = marks;
    const check = () => {
      if (marks.figure === undefined && document.querySelector('figure[aria-label^="Query halves"] svg')) {
        marks.figure = performance.now();
        marks.figurePrecomputed = document.querySelector('.data-tag--pre') !== null;
      }
      if (marks.loss === undefined && document.querySelector('figure[aria-label^="Loss chart"] svg')) {
        marks.loss = performance.now();
      }
      if (
        marks.heatmap === undefined &&
        document.querySelector('figure[aria-label^="Memory usage heatmap"] canvas')
      ) {
        marks.heatmap = performance.now();
      }
    };
    new MutationObserver(check).observe(document, { childList: true, subtree: true });
  });
  await session.page.goto(url);
  return session;
}

/** The text of an element found by its exact accessible name (outputs such as "Training step"). */
export async function labelled(page: Page, name: string): Promise<string> {
  return (await page.getByLabel(name, { exact: true }).textContent()) ?? '';
}

export async function trainingStep(page: Page): Promise<number> {
  return Number(await labelled(page, 'Training step'));
}

/** Waits until the live model is built and the run controls are enabled. */
export async function waitForLiveModel(page: Page, timeout = 120_000): Promise<void> {
  await expect
    .poll(async () => page.getByRole('button', { name: 'Step', exact: true }).isEnabled(), { timeout })
    .toBe(true);
}

/** The usage heat map's canvas as a data URL (to see whether its pixels changed). */
export async function heatmapImage(page: Page): Promise<string> {
  return page.evaluate(() => {
    const canvas = document.querySelector<HTMLCanvasElement>(
      'figure[aria-label^="Memory usage heatmap"] canvas',
    );
    return canvas ? canvas.toDataURL() : '';
  });
}
