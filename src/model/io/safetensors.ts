/**
 * safetensors (https://github.com/huggingface/safetensors): an 8-byte little-endian header length,
 * a JSON header {name: {dtype, shape, data_offsets}, "__metadata__": {string: string}}, then the raw
 * little-endian tensor data. Reading validates the whole header before any tensor is decoded (so
 * every shape is known to fit the bytes the file has before anything is allocated); writing is
 * deterministic (sorted names and metadata, header padded with spaces to 8 bytes).
 */

import { inSlices } from './breathe';
import { asBytes, type BinaryInput, HOST_IS_LITTLE_ENDIAN, product } from './bytes';
import { clip, nameText, preview, SafetensorsError, shapeText } from './errors';
import { decodeBfloat16, decodeHalf, encodeBfloat16, encodeHalf } from './halfFloat';
import { fileSignature, looksLikeText, textStart } from './signatures';

/** Bytes per element of every dtype the format defines (sub-byte floats: fractions). */
export const DTYPE_BYTES = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U64: 8,
  U32: 4,
  U16: 2,
  U8: 1,
  BOOL: 1,
  F8_E5M2: 1,
  F8_E4M3: 1,
  F8_E8M0: 1,
  C64: 8,
  F6_E2M3: 0.75,
  F6_E3M2: 0.75,
  F4: 0.5,
} as const;
export type SafetensorsDtype = keyof typeof DTYPE_BYTES;
export const FLOAT_DTYPES: readonly SafetensorsDtype[] = ['F32', 'F16', 'BF16', 'F64'];
/** Dtypes decoded to float32 by `tensorFloat32` (floats exactly or rounded, integers converted). */
const DECODED: readonly SafetensorsDtype[] = [
  'F64',
  'F32',
  'F16',
  'BF16',
  'I64',
  'I32',
  'I16',
  'I8',
  'U64',
  'U32',
  'U16',
  'U8',
  'BOOL',
];

/** A header larger than this is refused before it is decoded (the format's own reader uses 100 MB). */
export const MAX_HEADER_BYTES = 100_000_000;

export interface TensorInfo {
  dtype: SafetensorsDtype;
  shape: number[];
  /** Byte range in the data section (after the header). */
  begin: number;
  end: number;
}

export interface SafetensorsFile {
  metadata: Record<string, string>;
  /** Every tensor, by name, in name order. */
  tensors: Map<string, TensorInfo>;
  /** The data section: tensor offsets are relative to its start (empty for a header-only parse). */
  data: Uint8Array;
  /** The whole file's size in bytes. */
  fileBytes: number;
  /** Whether `data` holds the tensors (false after `parseSafetensorsHeader`). */
  hasData: boolean;
}

/** A float32 tensor as written and as returned by `readSafetensors`. */
export interface Float32Tensor {
  shape: number[];
  data: Float32Array;
  /** How `writeSafetensors` stores it (default F32): F16 and BF16 halve the file. */
  dtype?: WrittenDtype;
}

export type WrittenDtype = 'F32' | 'F16' | 'BF16';

/** Sets an own property even for names like "__proto__", which plain assignment would swallow. */
function setOwn<T>(record: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
}

function fail(message: string): never {
  throw new SafetensorsError(clip(`invalid safetensors file: ${message}`));
}

function notSafetensors(why: string): never {
  throw new SafetensorsError(clip(`not a safetensors file: ${why}`));
}

function incomplete(have: number, need: number, where: string): never {
  throw new SafetensorsError(
    `incomplete safetensors file: ${have.toLocaleString('en')} of ${need.toLocaleString('en')} bytes${where}`,
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** The header length as an exact BigInt (a number would round values above 2^53). */
export function headerLength(bytes: Uint8Array): bigint | null {
  if (bytes.byteLength < 8) return null;
  return new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
}

function parseHeader(
  bytes: Uint8Array,
  fileBytes: number,
  maxHeaderBytes: number,
): { json: unknown; dataStart: number } {
  const signature = fileSignature(bytes);
  if (fileBytes < 8) {
    notSafetensors(
      `it has ${fileBytes} byte${fileBytes === 1 ? '' : 's'}; a safetensors file starts with an 8-byte header length`,
    );
  }
  if (signature) notSafetensors(`it is ${signature}`);
  const length = headerLength(bytes)!;
  if (length > BigInt(maxHeaderBytes)) {
    if (length <= BigInt(MAX_HEADER_BYTES) && bytes[8] === 0x7b) {
      fail(
        `its header is ${length.toLocaleString('en')} bytes long, more than the ${maxHeaderBytes.toLocaleString('en')} read here`,
      );
    }
    if (looksLikeText(bytes)) notSafetensors(`it is a text file (it starts with ${textStart(bytes)})`);
    notSafetensors(
      `its first 8 bytes give a header length of ${length} bytes, over the ${maxHeaderBytes.toLocaleString('en')} a safetensors header may have`,
    );
  }
  const size = Number(length);
  // The JSON header is an object: its first non-space byte is '{'.
  let first = 8;
  while (first < Math.min(bytes.byteLength, 8 + size) && bytes[first] === 0x20) first++;
  if (size === 0 || (first < bytes.byteLength && first < 8 + size && bytes[first] !== 0x7b)) {
    notSafetensors('its header does not start with a JSON object');
  }
  if (8 + size > fileBytes) incomplete(fileBytes, 8 + size, ' (it ends inside its header)');
  if (8 + size > bytes.byteLength) fail('the header was not given whole');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + size));
  } catch {
    fail('the header is not valid UTF-8');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    fail(`the header is not valid JSON (${clip((err as Error).message, 120)})`);
  }
  return { json, dataStart: 8 + size };
}

function parseMetadata(value: unknown): Record<string, string> {
  if (!isPlainObject(value)) fail(`__metadata__ must be an object of strings (got ${preview(value)})`);
  const metadata: Record<string, string> = {};
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== 'string')
      fail(`__metadata__ value of ${preview(key)} must be a string (got ${preview(v)})`);
    setOwn(metadata, key, v);
  }
  return metadata;
}

/** Bytes needed by `shape` of `dtype`, or Infinity past 2^53 (multiplied step by step, never overflowing). */
function bytesFor(dtype: SafetensorsDtype, shape: readonly number[]): number {
  if (shape.includes(0)) return 0;
  let count = 1;
  for (const d of shape) {
    count *= d;
    if (count > Number.MAX_SAFE_INTEGER) return Number.POSITIVE_INFINITY;
  }
  return count * DTYPE_BYTES[dtype];
}

function parseEntry(name: string, value: unknown): TensorInfo {
  const where = `tensor ${preview(name, 80)}`;
  if (!isPlainObject(value)) fail(`${where} must be an object with dtype, shape, data_offsets`);
  const { dtype, shape, data_offsets: offsets } = value;
  if (typeof dtype !== 'string') fail(`${where}: dtype must be a string (got ${preview(dtype)})`);
  if (!Object.hasOwn(DTYPE_BYTES, dtype)) {
    fail(
      `${where}: unknown dtype ${preview(dtype, 24)} (safetensors has ${Object.keys(DTYPE_BYTES).join(', ')})`,
    );
  }
  if (!Array.isArray(shape) || !shape.every(isCount)) {
    fail(`${where}: shape must be a list of non-negative integers (got ${preview(shape)})`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount) || offsets[0] > offsets[1]) {
    fail(`${where}: data_offsets must be [begin, end] with 0 ≤ begin ≤ end (got ${preview(offsets)})`);
  }
  const [begin, end] = offsets as [number, number];
  const bytes = bytesFor(dtype as SafetensorsDtype, shape as number[]);
  if (bytes !== end - begin) {
    const need = Number.isFinite(bytes) ? `${bytes} bytes` : 'more than 2^53 bytes';
    fail(
      `${where}: shape ${shapeText(shape as number[])} of ${dtype} needs ${need} but data_offsets [${begin}, ${end}] hold ${end - begin}`,
    );
  }
  return { dtype: dtype as SafetensorsDtype, shape: [...(shape as number[])], begin, end };
}

function parse(bytes: Uint8Array, fileBytes: number, maxHeaderBytes: number): SafetensorsFile {
  if (!HOST_IS_LITTLE_ENDIAN) throw new SafetensorsError('safetensors needs a little-endian host');
  const { json, dataStart } = parseHeader(bytes, fileBytes, maxHeaderBytes);
  if (!isPlainObject(json)) fail(`the header must be a JSON object (got ${preview(json)})`);
  let metadata: Record<string, string> = {};
  const entries: [string, TensorInfo][] = [];
  for (const [name, value] of Object.entries(json)) {
    if (name === '__metadata__') metadata = parseMetadata(value);
    else entries.push([name, parseEntry(name, value)]);
  }
  const dataBytes = fileBytes - dataStart;
  let last = 0;
  for (const [, t] of entries) last = Math.max(last, t.end);
  if (last > dataBytes) incomplete(fileBytes, dataStart + last, '');
  const byOffset = entries.filter(([, t]) => t.end > t.begin).sort((a, b) => a[1].begin - b[1].begin);
  for (let i = 1; i < byOffset.length; i++) {
    const [prevName, prev] = byOffset[i - 1];
    const [name, cur] = byOffset[i];
    if (cur.begin < prev.end) {
      fail(
        `tensors ${preview(prevName)} [${prev.begin}, ${prev.end}] and ${preview(name)} [${cur.begin}, ${cur.end}] overlap`,
      );
    }
  }
  entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const hasData = bytes.byteLength >= fileBytes;
  return {
    metadata,
    tensors: new Map(entries),
    data: hasData ? bytes.subarray(dataStart, fileBytes) : new Uint8Array(0),
    fileBytes,
    hasData,
  };
}

/** Validates a safetensors file completely (header, every entry, offsets); decodes no tensor yet. */
export function parseSafetensors(
  input: BinaryInput,
  options: { maxHeaderBytes?: number } = {},
): SafetensorsFile {
  const bytes = asBytes(input);
  return parse(bytes, bytes.byteLength, options.maxHeaderBytes ?? MAX_HEADER_BYTES);
}

/**
 * The same validation from the start of a file only (at least its first 8 + header-length bytes)
 * and its size: names, shapes and dtypes without the data. Tensors cannot be decoded from it.
 */
export function parseSafetensorsHeader(
  head: Uint8Array,
  fileBytes: number,
  options: { maxHeaderBytes?: number } = {},
): SafetensorsFile {
  return parse(head.subarray(0, fileBytes), fileBytes, options.maxHeaderBytes ?? MAX_HEADER_BYTES);
}

/** How many bytes of a file's start `parseSafetensorsHeader` needs. */
export function headerBytesNeeded(head: Uint8Array, maxHeaderBytes = MAX_HEADER_BYTES): number {
  const length = headerLength(head);
  // Too long to read: the first bytes still tell what the file is.
  if (length === null || length > BigInt(maxHeaderBytes)) return 64;
  return 8 + Number(length);
}

/** A view of the tensor's bytes as `Type` when aligned, else an aligned copy of them. */
function typed<T>(
  data: Uint8Array,
  info: TensorInfo,
  Type: { new (buffer: ArrayBufferLike, offset: number, length: number): T; BYTES_PER_ELEMENT: number },
): T {
  const offset = data.byteOffset + info.begin;
  const length = (info.end - info.begin) / Type.BYTES_PER_ELEMENT;
  if (offset % Type.BYTES_PER_ELEMENT === 0) return new Type(data.buffer, offset, length);
  return new Type(data.slice(info.begin, info.end).buffer, 0, length);
}

function convertInto(
  info: TensorInfo,
  data: Uint8Array,
  out: Float32Array,
  begin: number,
  end: number,
): void {
  switch (info.dtype) {
    case 'F32':
      out.set(typed(data, info, Float32Array).subarray(begin, end), begin);
      return;
    case 'F16':
      out.set(decodeHalf(typed(data, info, Uint16Array).subarray(begin, end)), begin);
      return;
    case 'BF16':
      out.set(decodeBfloat16(typed(data, info, Uint16Array).subarray(begin, end)), begin);
      return;
    default: {
      const source = sourceArray(info, data);
      for (let i = begin; i < end; i++) out[i] = Number(source[i]);
    }
  }
}

function sourceArray(info: TensorInfo, data: Uint8Array): ArrayLike<number | bigint> {
  switch (info.dtype) {
    case 'F64':
      return typed(data, info, Float64Array);
    case 'I64':
      return typed(data, info, BigInt64Array);
    case 'U64':
      return typed(data, info, BigUint64Array);
    case 'I32':
      return typed(data, info, Int32Array);
    case 'U32':
      return typed(data, info, Uint32Array);
    case 'I16':
      return typed(data, info, Int16Array);
    case 'U16':
      return typed(data, info, Uint16Array);
    case 'I8':
      return typed(data, info, Int8Array);
    default:
      return typed(data, info, Uint8Array);
  }
}

function checkDecodable(file: SafetensorsFile, name: string, floatOnly: boolean): TensorInfo {
  const info = file.tensors.get(name);
  if (!info) throw new SafetensorsError(`the file has no tensor ${preview(name)}`);
  if (!file.hasData) throw new SafetensorsError('only the header of this file was read');
  const allowed = floatOnly ? FLOAT_DTYPES : DECODED;
  if (!allowed.includes(info.dtype)) {
    throw new SafetensorsError(
      `tensor ${nameText(name)} has dtype ${info.dtype}; a float type (${FLOAT_DTYPES.join(', ')}) is needed`,
    );
  }
  return info;
}

/**
 * One tensor of a parsed file as float32. Floats are converted (F16/BF16 exactly, F64 rounded);
 * integers too, exactly up to 2^24 in magnitude. `floatOnly` refuses integer dtypes. Complex, 8-,
 * 6- and 4-bit float dtypes are refused by name.
 */
export function tensorFloat32(
  file: SafetensorsFile,
  name: string,
  options: { floatOnly?: boolean } = {},
): Float32Tensor {
  const info = checkDecodable(file, name, options.floatOnly ?? false);
  const out = new Float32Array(product(info.shape));
  convertInto(info, file.data, out, 0, out.length);
  return { shape: [...info.shape], data: out };
}

/** `tensorFloat32` in slices that yield to pending events and stop when `signal` aborts. */
export async function tensorFloat32Async(
  file: SafetensorsFile,
  name: string,
  options: { floatOnly?: boolean; signal?: AbortSignal } = {},
): Promise<Float32Tensor> {
  const info = checkDecodable(file, name, options.floatOnly ?? false);
  const out = new Float32Array(product(info.shape));
  await inSlices(out.length, (b, e) => convertInto(info, file.data, out, b, e), options.signal);
  return { shape: [...info.shape], data: out };
}

/** Reads every tensor as float32 (see tensorFloat32) with the string metadata. */
export function readSafetensors(input: BinaryInput): {
  tensors: Record<string, Float32Tensor>;
  metadata: Record<string, string>;
} {
  const file = parseSafetensors(input);
  const tensors: Record<string, Float32Tensor> = {};
  for (const name of file.tensors.keys()) setOwn(tensors, name, tensorFloat32(file, name));
  return { tensors, metadata: file.metadata };
}

/**
 * Writes float32 tensors (stored as F32, or F16/BF16 where a tensor asks) and string metadata.
 * Names and metadata keys are sorted and the data laid out in name order, so equal input always
 * gives identical bytes.
 */
export function writeSafetensors(
  tensors: Readonly<Record<string, Float32Tensor>>,
  metadata: Readonly<Record<string, string>> = {},
): Uint8Array {
  if (!HOST_IS_LITTLE_ENDIAN) throw new SafetensorsError('safetensors needs a little-endian host');
  const names = Object.keys(tensors).sort();
  const header: Record<string, unknown> = {};
  const metaKeys = Object.keys(metadata).sort();
  if (metaKeys.length > 0) {
    const sorted: Record<string, string> = {};
    for (const key of metaKeys) {
      const value = metadata[key];
      if (typeof value !== 'string') {
        throw new SafetensorsError(`metadata ${preview(key)} must be a string (got ${preview(value)})`);
      }
      setOwn(sorted, key, value);
    }
    header.__metadata__ = sorted;
  }
  let offset = 0;
  const stored: Uint8Array[] = [];
  for (const name of names) {
    if (name === '__metadata__') throw new SafetensorsError("'__metadata__' cannot be a tensor name");
    const { shape, data, dtype = 'F32' } = tensors[name];
    if (!Array.isArray(shape) || !shape.every(isCount)) {
      throw new SafetensorsError(`tensor ${preview(name)}: shape must be a list of non-negative integers`);
    }
    if (!(data instanceof Float32Array) || data.length !== product(shape)) {
      throw new SafetensorsError(
        `tensor ${preview(name)}: shape ${shapeText(shape)} needs ${product(shape)} float32 values (got ${data?.length})`,
      );
    }
    const encoded =
      dtype === 'F16'
        ? encodeHalf(data)
        : dtype === 'BF16'
          ? encodeBfloat16(data)
          : dtype === 'F32'
            ? data
            : null;
    if (!encoded) throw new SafetensorsError(`tensor ${preview(name)}: cannot write dtype ${preview(dtype)}`);
    const bytes = new Uint8Array(encoded.buffer, encoded.byteOffset, encoded.byteLength);
    stored.push(bytes);
    setOwn(header, name, { dtype, shape: [...shape], data_offsets: [offset, offset + bytes.byteLength] });
    offset += bytes.byteLength;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.byteLength / 8) * 8;
  const out = new Uint8Array(8 + padded + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, padded, true);
  view.setUint32(4, 0, true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.byteLength, 8 + padded);
  let at = 8 + padded;
  for (const bytes of stored) {
    out.set(bytes, at);
    at += bytes.byteLength;
  }
  return out;
}
