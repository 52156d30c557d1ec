/**
 * NumPy's .npy format (numpy.lib.format): magic "\x93NUMPY", version, header length (2 bytes in
 * 1.0, 4 in 2.0/3.0), a Python dict literal {'descr', 'fortran_order', 'shape'}, then the data.
 * Reads C-order little-endian float32/float64 as Float32Array; writes float32 (version 1.0, or 2.0
 * when the header needs it), the header padded so the data starts on a 64-byte boundary.
 */
import { alignedCopy, asBytes, type BinaryInput, HOST_IS_LITTLE_ENDIAN, product } from './bytes';
import { clip, NpyError, preview, shapeText } from './errors';
import { notNpyHint } from './signatures';

export interface NpyArray {
  shape: number[];
  data: Float32Array;
  /** The dtype the file stored ('<f8' values are rounded to float32). */
  dtype: '<f4' | '<f8';
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const ALIGN = 64;
/**
 * Longest header read. numpy.load itself refuses headers over 10,000 bytes unless told otherwise;
 * 1 MB leaves room for any real array while a crafted shape of millions of dimensions is refused
 * before it is parsed.
 */
export const MAX_NPY_HEADER_BYTES = 1_000_000;

function fail(message: string): never {
  throw new NpyError(clip(`invalid .npy file: ${message}`));
}

/** A shape as numpy prints it, shortened when long. */
function tupleText(shape: readonly number[]): string {
  return `(${shapeText(shape).slice(1, -1)})`;
}

type PyValue = string | number | boolean | null | PyValue[] | { [key: string]: PyValue };

/** A parser for the small subset of Python literals that .npy headers use. */
class PyLiteralParser {
  private at = 0;
  constructor(private readonly text: string) {}

  parseAll(): PyValue {
    const value = this.value(0);
    this.space();
    if (this.at !== this.text.length) this.error('unexpected text after the header dict');
    return value;
  }

  private error(what: string): never {
    fail(`header ${preview(this.text, 80)}: ${what} at character ${this.at}`);
  }

  private space(): void {
    while (this.at < this.text.length && /\s/.test(this.text[this.at])) this.at++;
  }

  private value(depth: number): PyValue {
    if (depth > 16) this.error('nesting too deep');
    this.space();
    const c = this.text[this.at];
    if (c === '{') return this.dict(depth);
    if (c === '(' || c === '[') return this.sequence(depth, c === '(' ? ')' : ']');
    if (c === "'" || c === '"') return this.string(c);
    const word = /^(True|False|None|-?\d+)/.exec(this.text.slice(this.at, this.at + 32));
    if (!word) this.error('expected a value');
    this.at += word[0].length;
    if (word[0] === 'True') return true;
    if (word[0] === 'False') return false;
    if (word[0] === 'None') return null;
    // Python 2 era headers may write long integers as "3L".
    if (this.text[this.at] === 'L') this.at++;
    return Number(word[0]);
  }

  private string(quote: string): string {
    const end = this.text.indexOf(quote, this.at + 1);
    if (end < 0) this.error('unterminated string');
    const s = this.text.slice(this.at + 1, end);
    this.at = end + 1;
    return s;
  }

  private sequence(depth: number, close: string): PyValue[] {
    this.at++;
    const items: PyValue[] = [];
    for (;;) {
      this.space();
      if (this.text[this.at] === close) break;
      items.push(this.value(depth + 1));
      this.space();
      if (this.text[this.at] === ',') this.at++;
      else if (this.text[this.at] !== close) this.error(`expected ',' or '${close}'`);
    }
    this.at++;
    return items;
  }

  private dict(depth: number): { [key: string]: PyValue } {
    this.at++;
    const out: { [key: string]: PyValue } = {};
    for (;;) {
      this.space();
      if (this.text[this.at] === '}') break;
      const key = this.value(depth + 1);
      if (typeof key !== 'string') this.error('dict keys must be strings');
      this.space();
      if (this.text[this.at] !== ':') this.error("expected ':'");
      this.at++;
      Object.defineProperty(out, key, { value: this.value(depth + 1), enumerable: true });
      this.space();
      if (this.text[this.at] === ',') this.at++;
      else if (this.text[this.at] !== '}') this.error("expected ',' or '}'");
    }
    this.at++;
    return out;
  }
}

function readPreamble(bytes: Uint8Array): { header: string; dataStart: number } {
  if (bytes.byteLength < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    fail(`it does not start with the magic string \\x93NUMPY${notNpyHint(bytes)}`);
  }
  const major = bytes[6];
  const minor = bytes[7];
  if (![1, 2, 3].includes(major))
    fail(`unsupported format version ${major}.${minor} (1.0, 2.0 and 3.0 are read)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lengthBytes = major === 1 ? 2 : 4;
  if (bytes.byteLength < 8 + lengthBytes) fail('the file ends inside its header length');
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = 8 + lengthBytes;
  if (headerLength > MAX_NPY_HEADER_BYTES) {
    fail(
      `the header is ${headerLength.toLocaleString('en')} bytes long; at most ${MAX_NPY_HEADER_BYTES.toLocaleString('en')} are read`,
    );
  }
  if (headerStart + headerLength > bytes.byteLength) {
    fail(`the header length ${headerLength} goes beyond the end of the file (${bytes.byteLength} bytes)`);
  }
  const raw = bytes.subarray(headerStart, headerStart + headerLength);
  let header: string;
  try {
    header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1', { fatal: true }).decode(raw);
  } catch {
    fail('the header is not valid UTF-8');
  }
  return { header, dataStart: headerStart + headerLength };
}

/** The checked header of a .npy file: shape and dtype, with the data's size matching them. */
export interface NpyHeader {
  shape: number[];
  dtype: '<f4' | '<f8';
  dataStart: number;
}

/** Validates a .npy file's header against its size (the data itself is not read). */
export function readNpyHeader(input: BinaryInput): NpyHeader {
  if (!HOST_IS_LITTLE_ENDIAN) throw new NpyError('.npy reading needs a little-endian host');
  const bytes = asBytes(input);
  const { header, dataStart } = readPreamble(bytes);
  const dict = new PyLiteralParser(header).parseAll();
  if (typeof dict !== 'object' || dict === null || Array.isArray(dict)) fail('the header is not a dict');
  const { descr, fortran_order: fortran, shape } = dict;
  if (typeof descr !== 'string') fail(`unsupported dtype ${preview(descr)} (only '<f4' and '<f8' are read)`);
  if (descr !== '<f4' && descr !== '<f8') {
    const kind = /^[<>|=]?[iub]/.test(descr)
      ? 'integer or boolean '
      : /^[<>|=]?c/.test(descr)
        ? 'complex '
        : '';
    fail(
      `unsupported ${kind}dtype ${preview(descr, 24)} (only little-endian float32 '<f4' and float64 '<f8' are read)`,
    );
  }
  if (fortran === true) fail('fortran_order is True; save a C-order array (np.ascontiguousarray)');
  if (fortran !== false) fail(`fortran_order must be True or False (got ${preview(fortran)})`);
  if (
    !Array.isArray(shape) ||
    !shape.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0)
  ) {
    fail(`shape must be a tuple of non-negative integers (got ${preview(shape)})`);
  }
  const dims = shape as number[];
  const itemSize = descr === '<f4' ? 4 : 8;
  const have = bytes.byteLength - dataStart;
  // Step by step, stopping past 2^53: a huge shape never overflows into a "match".
  let need = dims.includes(0) ? 0 : itemSize;
  let over = false;
  for (const d of dims) {
    need *= d;
    if (need > Number.MAX_SAFE_INTEGER) {
      over = true;
      break;
    }
  }
  if (need !== have) {
    const needText = over ? 'more than 2^53' : String(need);
    fail(
      `shape ${tupleText(dims)} of ${descr} needs ${needText} data bytes but the file holds ${have.toLocaleString('en')}`,
    );
  }
  return { shape: dims, dtype: descr, dataStart };
}

/** Reads a C-order '<f4' or '<f8' array; every other layout or dtype is refused by name. */
export function readNpy(input: BinaryInput): NpyArray {
  const bytes = asBytes(input);
  const { shape, dtype, dataStart } = readNpyHeader(bytes);
  const buffer = alignedCopy(bytes, dataStart, bytes.byteLength);
  const data = dtype === '<f4' ? new Float32Array(buffer) : Float32Array.from(new Float64Array(buffer));
  return { shape, data, dtype };
}

/** Writes a C-order '<f4' array that numpy.load reads back. */
export function writeNpy(data: Float32Array, shape: readonly number[]): Uint8Array {
  if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0) || product(shape) !== data.length) {
    throw new NpyError(`shape ${tupleText(shape)} does not hold ${data.length} values`);
  }
  const tuple = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': ${tuple}, }`;
  const version = dict.length + 1 + 10 > 65535 ? 2 : 1;
  const preamble = version === 1 ? 10 : 12;
  const total = Math.ceil((preamble + dict.length + 1) / ALIGN) * ALIGN;
  const header = `${dict.padEnd(total - preamble - 1, ' ')}\n`;
  const out = new Uint8Array(total + data.byteLength);
  out.set(MAGIC, 0);
  out[6] = version;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, header.length, true);
  else view.setUint32(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[preamble + i] = header.charCodeAt(i);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), total);
  return out;
}
