/**
 * Errors for malformed or unsupported files. Every reader in this folder throws only these (never
 * a RangeError or a TypeError from a bad offset), so callers can tell bad input from a bug.
 */
export class FormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A safetensors file that cannot be read: truncated, bad header, bad offsets, unsupported dtype. */
export class SafetensorsError extends FormatError {}

/** A .npy file that cannot be read: bad magic, unsupported version or dtype, size mismatch. */
export class NpyError extends FormatError {}

/** Tensors that do not form an XLM memory module: missing names, inconsistent shapes. */
export class XlmLayoutError extends FormatError {}

/** A short, single-line rendering of an untrusted value for error messages. */
export function preview(value: unknown, max = 60): string {
  let text: string;
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
  text = text.replace(/\s+/g, ' ');
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
