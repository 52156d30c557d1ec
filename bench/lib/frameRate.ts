/**
 * Main-thread frame rate: requestAnimationFrame timestamps over a stretch of time. The sampler is
 * self-contained (no imports, no outer variables) so that it can run in any page: the bench page,
 * or the app itself through `frameRateOnPage` (bench/node/frameRateOnPage.ts).
 */

export interface FrameRateSample {
  /** Frames per second over the whole stretch. */
  fps: number;
  /** 1000 / the 95th-percentile frame interval: the rate of the slow frames. */
  fps_low: number;
  longest_frame_ms: number;
  frames: number;
  seconds: number;
}

export function sampleFrameRate(seconds: number): Promise<FrameRateSample> {
  return new Promise((resolve, reject) => {
    if (!(seconds > 0)) {
      reject(new Error(`sampleFrameRate: seconds must be > 0 (got ${seconds})`));
      return;
    }
    const stamps: number[] = [];
    const tick = (t: number) => {
      stamps.push(t);
      if (t - stamps[0] < seconds * 1000) {
        requestAnimationFrame(tick);
        return;
      }
      const gaps = stamps.slice(1).map((s, i) => s - stamps[i]);
      const sorted = [...gaps].sort((a, b) => a - b);
      const p95 = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.95))];
      const span = stamps[stamps.length - 1] - stamps[0];
      resolve({
        fps: (gaps.length / span) * 1000,
        fps_low: 1000 / p95,
        longest_frame_ms: sorted[sorted.length - 1],
        frames: gaps.length,
        seconds: span / 1000,
      });
    };
    requestAnimationFrame(tick);
  });
}

/**
 * `sampleFrameRate` as a script for page.evaluate. Its source is sent as text; tools that compile
 * TypeScript may wrap inner functions in a `__name` helper, which the script provides.
 */
export function frameRateScript(seconds: number): string {
  return `(() => { const __name = (f) => f; return (${sampleFrameRate.toString()})(${JSON.stringify(seconds)}); })()`;
}
