/**
 * Long reads (decoding a large tensor, converting bf16 values) run in slices: between slices they
 * let pending events run (a Cancel, a training step in the same worker) and check their signal.
 */
import { ReadCancelledError } from './errors';

let channel: MessageChannel | null = null;
const waiting: (() => void)[] = [];

/** Resolves after pending events had a chance to run (a macrotask without the 4 ms timer clamp). */
export function yieldToEvents(): Promise<void> {
  const immediate = (globalThis as { setImmediate?: (fn: () => void) => void }).setImmediate;
  if (immediate) return new Promise((resolve) => immediate(resolve));
  if (typeof MessageChannel === 'undefined') return new Promise((resolve) => setTimeout(resolve, 0));
  if (!channel) {
    channel = new MessageChannel();
    channel.port1.onmessage = () => waiting.shift()?.();
  }
  const port = channel.port2;
  return new Promise((resolve) => {
    waiting.push(resolve);
    port.postMessage(null);
  });
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new ReadCancelledError();
}

/** Elements handled between two yields: a few milliseconds of work. */
export const SLICE_ELEMENTS = 1 << 20;

/**
 * Calls `work(begin, end)` over [0, count) in slices, yielding and checking `signal` between them.
 * Small jobs (one slice) run without yielding.
 */
export async function inSlices(
  count: number,
  work: (begin: number, end: number) => void,
  signal?: AbortSignal,
  slice = SLICE_ELEMENTS,
): Promise<void> {
  throwIfAborted(signal);
  for (let begin = 0; begin < count; begin += slice) {
    if (begin > 0) {
      await yieldToEvents();
      throwIfAborted(signal);
    }
    work(begin, Math.min(count, begin + slice));
  }
}
