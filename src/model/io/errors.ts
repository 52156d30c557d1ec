/**
 * Errors for malformed or unsupported files. Every reader in this folder throws only these (never
 * a RangeError or a TypeError from a bad offset), so callers can tell bad input from a bug.
 * Messages are single lines of bounded length: anything quoted from a file (names, shapes, values)
 * is shortened first, so a hostile file cannot make a message that freezes whoever shows it.
 */
export class FormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A safetensors file that cannot be read: not safetensors, incomplete, bad header, bad offsets. */
export class SafetensorsError extends FormatError {}

/** A .npy file that cannot be read: bad magic, unsupported version or dtype, size mismatch. */
export class NpyError extends FormatError {}

/** Tensors that do not form a memory module of the layout tried: missing names, inconsistent shapes. */
export class XlmLayoutError extends FormatError {}

/**
 * Files that are fine but do not fit each other or the arguments: inputs of another width than the
 * memory's d_in, a knn the memory does not allow. Not a malformed file.
 */
export class MismatchError extends FormatError {}

/** Reading was stopped by its AbortSignal. */
export class ReadCancelledError extends Error {
  constructor() {
    super('reading the file was cancelled');
    this.name = 'ReadCancelledError';
  }
}

/** A short, single-line rendering of an untrusted value for error messages. */
export function preview(value: unknown, max = 60): string {
  let text: string;
  if (typeof value === 'string') {
    // Only the start of a long string is ever shown: never stringify all of it.
    text = JSON.stringify(value.length > max * 2 ? value.slice(0, max * 2) : value);
  } else if (Array.isArray(value) && value.length > max) {
    return shapeLike(value, max);
  } else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      // Deeply nested or cyclic values: both renderings can overflow the stack.
      try {
        text = String(value);
      } catch {
        text = Array.isArray(value) ? '[…]' : typeof value;
      }
    }
  }
  text = text.replace(/\s+/g, ' ');
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function shapeLike(items: readonly unknown[], max: number): string {
  const head = items.slice(0, 3).map((v) => preview(v, 12));
  return clip(`[${head.join(', ')}, … (${items.length.toLocaleString('en')} items)]`, max + 40);
}

/** `[2, 3]`; a long shape as `[2, 2, 2, … (10,000,000 dims)]`. */
export function shapeText(shape: readonly number[], show = 6): string {
  if (shape.length <= show) return `[${shape.join(', ')}]`;
  return `[${shape.slice(0, 3).join(', ')}, … (${shape.length.toLocaleString('en')} dims)]`;
}

/** A tensor name quoted, shortened in the middle when long (both ends tell where it sits). */
export function nameText(name: string, max = 72): string {
  const shown = name.length > max ? `${name.slice(0, 40)}…${name.slice(-(max - 41))}` : name;
  return `'${controlFree(shown)}'`;
}

/** Control characters (line breaks, escapes) replaced by '?': a quoted name stays one plain line. */
export function controlFree(text: string): string {
  let out = '';
  for (const ch of text) {
    const c = ch.charCodeAt(0);
    out += c < 0x20 || c === 0x7f ? '?' : ch;
  }
  return out;
}

/** The first `show` items joined, and how many more: "a, b, c and 97 more". */
export function listText(items: readonly string[], show = 4): string {
  if (items.length <= show) return items.join(', ');
  return `${items.slice(0, show).join(', ')} and ${(items.length - show).toLocaleString('en')} more`;
}

/** A message cut to `max` characters (a last line of defence; messages are built short). */
export function clip(text: string, max = 400): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
