/**
 * How often the client may replace its worker: a few restarts within a window (a worker that
 * ran well for a while starts afresh), each tried several times with backoff. Apart from
 * client.ts so the policy reads in one place and the client keeps only the mechanism.
 */

/** Restarts are counted over this window. */
const RESTART_WINDOW_MS = 5 * 60_000;
/** Tries per restart, and the wait before the n-th retry: 0.5 s, 1 s, 2 s, 4 s. */
export const RESTART_ATTEMPTS = 5;
export const backoffMs = (attempt: number) => Math.min(8_000, 250 * 2 ** attempt);

export class RestartBudget {
  private times: number[] = [];

  /** Forgets earlier restarts (the user asked for this one). */
  clear(): void {
    this.times = [];
  }

  /** Counts a restart at `now` (performance.now()) if fewer than `allowed` are in the window; false if not. */
  take(now: number, allowed: number): boolean {
    this.times = this.times.filter((t) => now - t < RESTART_WINDOW_MS);
    if (this.times.length >= allowed) return false;
    this.times.push(now);
    return true;
  }
}
