/** Small concurrency helpers of the engine: one tfjs user at a time, and yielding to messages. */

/** Runs async sections one after another, in call order. */
export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(section: () => Promise<T>): Promise<T> {
    const result = this.tail.then(section);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}

let channel: MessageChannel | null = null;
const waiting: (() => void)[] = [];

/**
 * Resolves after pending messages (commands) had a chance to run: a macrotask, without the 4 ms
 * clamp nested timers get. setImmediate in Node, a MessageChannel in a Worker.
 */
export function yieldToEvents(): Promise<void> {
  const immediate = (globalThis as { setImmediate?: (fn: () => void) => void }).setImmediate;
  if (immediate) return new Promise((resolve) => immediate(resolve));
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

/** Waits `ms`, or less when `wake` is called first. */
export function interruptibleSleep(ms: number): { done: Promise<void>; wake: () => void } {
  let wake = () => {};
  const done = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, Math.max(0, ms));
    wake = () => {
      clearTimeout(timer);
      resolve();
    };
  });
  return { done, wake };
}
