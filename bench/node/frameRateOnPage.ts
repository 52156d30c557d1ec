import type { Page } from 'playwright-core';
import { type FrameRateSample, frameRateScript } from '../lib/frameRate';

/**
 * Samples requestAnimationFrame on the main thread of any page for `seconds`. The benchmark uses
 * it on its own page while the app's engine trains; pointed at the app (its URL opened in `page`,
 * training started through the UI or the engine), it measures the app's frame rate the same way.
 */
export async function frameRateOnPage(page: Page, seconds: number): Promise<FrameRateSample> {
  return (await page.evaluate(frameRateScript(seconds))) as FrameRateSample;
}

/**
 * The fps measurement with training running elsewhere: `startTraining` and `stopTraining` drive
 * whatever trains off the main thread (the app's engine, bench/browser/trainingEngine.ts).
 */
export async function frameRateWhileTraining(
  page: Page,
  seconds: number,
  training: { start: () => Promise<void>; stop: () => Promise<{ steps: number }> },
): Promise<FrameRateSample & { steps: number }> {
  await training.start();
  let sample: FrameRateSample;
  try {
    sample = await frameRateOnPage(page, seconds);
  } catch (err) {
    await training.stop().catch(() => undefined);
    throw err;
  }
  const { steps } = await training.stop();
  return { ...sample, steps };
}
