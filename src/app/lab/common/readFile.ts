/** Reading a user's file in the browser: a size check before reading, then bytes with progress. */

export interface ReadProgress {
  loaded: number;
  total: number;
}

/** 1,536 → "1.5 KB"; binary multiples, one decimal below 10. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '—';
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

/** 20,971,521 → "20,971,521 bytes": exact, for limits where a rounded size would read as equal. */
export function exactBytes(bytes: number): string {
  return `${bytes.toLocaleString('en-US')} byte${bytes === 1 ? '' : 's'}`;
}

/**
 * The problem with a file's size before it is read, or null: empty, or over `maxBytes`.
 * `what` names the expected content in the message ("training text", "memory file"). When the
 * rounded sizes look the same ("20 MB … 20 MB"), the exact byte counts are given.
 */
export function fileSizeProblem(
  file: { name: string; size: number },
  maxBytes: number,
  what: string,
): string | null {
  if (file.size === 0) return `${file.name} is empty: choose a ${what} with some content.`;
  if (file.size > maxBytes) {
    const [size, limit] = [formatBytes(file.size), formatBytes(maxBytes)];
    const exact = size === limit;
    const sizeText = exact ? exactBytes(file.size) : size;
    const limitText = exact ? `${exactBytes(maxBytes)} (${limit})` : limit;
    return `${file.name} is too large: ${sizeText}, the limit for a ${what} is ${limitText}.`;
  }
  return null;
}

/** Thrown when a read is stopped by its AbortSignal. */
export class ReadAbortedError extends Error {
  constructor() {
    super('reading the file was cancelled');
    this.name = 'ReadAbortedError';
  }
}

/** Reads a file's bytes with a FileReader, reporting progress (large files take a moment). */
export function readFileBytes(
  file: Blob,
  onProgress?: (p: ReadProgress) => void,
  signal?: AbortSignal,
): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new ReadAbortedError());
      return;
    }
    const reader = new FileReader();
    const onAbort = () => reader.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    const done = () => signal?.removeEventListener('abort', onAbort);
    reader.onprogress = (e) =>
      onProgress?.({ loaded: e.loaded, total: e.lengthComputable ? e.total : file.size });
    reader.onload = () => {
      done();
      onProgress?.({ loaded: file.size, total: file.size });
      resolve(new Uint8Array(reader.result as ArrayBuffer));
    };
    reader.onerror = () => {
      done();
      reject(new Error(`the browser could not read the file (${reader.error?.message ?? 'unknown error'})`));
    };
    reader.onabort = () => {
      done();
      reject(new ReadAbortedError());
    };
    reader.readAsArrayBuffer(file);
  });
}
