/**
 * Checks a user's own training text before it is used: it must be non-empty, at most
 * USER_TEXT_MAX_BYTES, valid UTF-8 and look like text (no NUL bytes, few control characters).
 * Each rejection is one message that names the problem.
 */
export const USER_TEXT_MAX_BYTES = 20 * 1024 * 1024;
/** Control characters (other than tab, newline, carriage return, form feed) tolerated per byte. */
export const MAX_CONTROL_RATIO = 0.01;

export class CorpusError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CorpusError';
  }
}

function formatMb(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** Offset of the first byte that breaks UTF-8, or -1 when the bytes are valid. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    let need: number;
    let min: number;
    if (b < 0x80) {
      i++;
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      min = 0x10000;
    } else {
      return i;
    }
    // A character cut off by the end of the input.
    if (i + need >= bytes.length) return i;
    let cp = b & (0xff >> (need + 2));
    for (let j = 1; j <= need; j++) {
      const c = bytes[i + j];
      if ((c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    // Overlong forms, UTF-16 surrogates and code points above U+10FFFF are invalid.
    if (cp < min || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) return i;
    i += need + 1;
  }
  return -1;
}

/**
 * Validates raw bytes as training text and returns the decoded string.
 * @param name how to refer to the input in messages (e.g. the file name)
 */
export function validateUserText(bytes: Uint8Array, name = 'the text'): string {
  if (bytes.length === 0) throw new CorpusError(`${name} is empty: give some text to train on`);
  if (bytes.length > USER_TEXT_MAX_BYTES) {
    throw new CorpusError(
      `${name} is too large: ${formatMb(bytes.length)}, the limit is ${formatMb(USER_TEXT_MAX_BYTES)}`,
    );
  }
  const nul = bytes.indexOf(0);
  if (nul >= 0) {
    throw new CorpusError(`${name} looks binary, not text: it contains a NUL byte at offset ${nul}`);
  }
  const bad = firstInvalidUtf8(bytes);
  if (bad >= 0) {
    throw new CorpusError(
      `${name} is not valid UTF-8: byte 0x${bytes[bad].toString(16).padStart(2, '0')} at offset ${bad} ` +
        'does not start or continue a character (save the file as UTF-8)',
    );
  }
  let control = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if ((b < 32 && b !== 9 && b !== 10 && b !== 12 && b !== 13) || b === 127) control++;
  }
  if (control > MAX_CONTROL_RATIO * bytes.length) {
    throw new CorpusError(
      `${name} looks binary, not text: ${((100 * control) / bytes.length).toFixed(1)}% of its bytes are ` +
        `control characters (at most ${MAX_CONTROL_RATIO * 100}% allowed)`,
    );
  }
  // The hand-written check above already accepted it; the fatal decoder is the reference.
  return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
}
