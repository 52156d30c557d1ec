/**
 * What a file that is not the expected format most likely is, from its first bytes: so a PNG, a
 * PyTorch pickle or a .npy given as a memory is named as such instead of reported as a bad header.
 */

const MAGICS: [bytes: (number | null)[], what: string][] = [
  [[0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'a PNG image'],
  [[0xff, 0xd8, 0xff], 'a JPEG image'],
  [[0x47, 0x49, 0x46, 0x38], 'a GIF image'],
  [[0x52, 0x49, 0x46, 0x46, null, null, null, null, 0x57, 0x45, 0x42, 0x50], 'a WebP image'],
  [[0x25, 0x50, 0x44, 0x46], 'a PDF document'],
  [
    [0x50, 0x4b, 0x03, 0x04],
    'a zip archive, e.g. a PyTorch torch.save checkpoint (save it with safetensors.torch.save_file instead)',
  ],
  [[0x1f, 0x8b], 'gzip-compressed (decompress it first)'],
  [[0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59], 'a NumPy .npy array'],
  [[0x89, 0x48, 0x44, 0x46], 'an HDF5 file (e.g. Keras)'],
];

/** Legacy torch.save files are bare pickles: protocol 2–5 opcodes. */
function isPickle(bytes: Uint8Array): boolean {
  return bytes.byteLength >= 2 && bytes[0] === 0x80 && bytes[1] >= 2 && bytes[1] <= 5;
}

/** "a PNG image", … for known binary formats, else null. */
export function fileSignature(bytes: Uint8Array): string | null {
  for (const [magic, what] of MAGICS) {
    if (bytes.byteLength >= magic.length && magic.every((b, i) => b === null || bytes[i] === b)) return what;
  }
  if (isPickle(bytes)) {
    return 'a Python pickle, e.g. a PyTorch torch.save checkpoint (save it with safetensors.torch.save_file instead)';
  }
  return null;
}

/** Whether the first bytes read as text: valid UTF-8 without control characters but tabs and line breaks. */
export function looksLikeText(bytes: Uint8Array, count = 64): boolean {
  const n = Math.min(bytes.byteLength, count);
  if (n === 0) return false;
  // The sample may end inside a multi-byte character: try it shortened by up to 3 bytes.
  for (let cut = 0; cut < 4 && cut < n; cut++) {
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, n - cut));
    } catch {
      continue;
    }
    for (const ch of text) {
      const c = ch.charCodeAt(0);
      if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || c === 0x7f) return false;
    }
    return true;
  }
  return false;
}

/** The first characters of a text file, quoted and shortened, for a message. */
export function textStart(bytes: Uint8Array, chars = 24): string {
  const text = new TextDecoder('utf-8').decode(bytes.subarray(0, chars * 2)).replace(/\s+/g, ' ');
  const cut = [...text].slice(0, chars).join('');
  return JSON.stringify(cut.length < text.length ? `${cut}…` : cut);
}

/** Whether the bytes start like a safetensors file: a small header length, then '{'. */
export function looksLikeSafetensors(bytes: Uint8Array): boolean {
  if (bytes.byteLength < 10) return false;
  const view = new DataView(bytes.buffer, bytes.byteOffset, 8);
  return view.getUint32(4, true) === 0 && view.getUint32(0, true) < 100_000_000 && bytes[8] === 0x7b;
}

/** What a file that is not a .npy is, for the message ("" when unknown). */
export function notNpyHint(bytes: Uint8Array): string {
  if (looksLikeSafetensors(bytes)) return ' (it is a safetensors file: give it as the memory)';
  const what = fileSignature(bytes);
  if (what) return ` (it is ${what})`;
  if (looksLikeText(bytes)) return ` (it is a text file starting with ${textStart(bytes)})`;
  return '';
}
