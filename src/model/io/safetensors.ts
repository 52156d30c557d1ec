/**
 * safetensors (https://github.com/huggingface/safetensors): an 8-byte little-endian header length,
 * a JSON header {name: {dtype, shape, data_offsets}, "__metadata__": {string: string}}, then the raw
 * little-endian tensor data. Reading validates the whole header before any tensor is decoded;
 * writing is deterministic (sorted names and metadata, header padded with spaces to 8 bytes).
 */
import { alignedCopy, asBytes, type BinaryInput, HOST_IS_LITTLE_ENDIAN, product } from './bytes';
import { preview, SafetensorsError } from './errors';
import { decodeBfloat16, decodeHalf } from './halfFloat';

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
} as const;
export type SafetensorsDtype = keyof typeof DTYPE_BYTES;
export const FLOAT_DTYPES: readonly SafetensorsDtype[] = ['F32', 'F16', 'BF16', 'F64'];

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
  /** The data section: tensor offsets are relative to its start. */
  data: Uint8Array;
}

/** A float32 tensor as written and as returned by `readSafetensors`. */
export interface Float32Tensor {
  shape: number[];
  data: Float32Array;
}

/** Sets an own property even for names like "__proto__", which plain assignment would swallow. */
function setOwn<T>(record: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
}

function fail(message: string): never {
  throw new SafetensorsError(`invalid safetensors file: ${message}`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function parseHeader(bytes: Uint8Array, maxHeaderBytes: number): { json: unknown; dataStart: number } {
  if (bytes.byteLength < 8) {
    fail(`the file has ${bytes.byteLength} bytes; it must start with an 8-byte header length`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(4, true) * 2 ** 32 + view.getUint32(0, true);
  if (headerLength > maxHeaderBytes) {
    fail(`the header length ${headerLength} exceeds the limit of ${maxHeaderBytes} bytes`);
  }
  if (8 + headerLength > bytes.byteLength) {
    fail(`the header length ${headerLength} goes beyond the end of the file (${bytes.byteLength} bytes)`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength));
  } catch {
    fail('the header is not valid UTF-8');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    fail(`the header is not valid JSON (${(err as Error).message})`);
  }
  return { json, dataStart: 8 + headerLength };
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

function parseEntry(name: string, value: unknown, dataBytes: number): TensorInfo {
  const where = `tensor ${preview(name, 80)}`;
  if (!isPlainObject(value)) fail(`${where} must be an object with dtype, shape, data_offsets`);
  const { dtype, shape, data_offsets: offsets } = value;
  if (typeof dtype !== 'string') fail(`${where}: dtype must be a string (got ${preview(dtype)})`);
  if (!Object.hasOwn(DTYPE_BYTES, dtype)) {
    fail(
      `${where}: unsupported dtype ${preview(dtype, 24)} (supported: ${Object.keys(DTYPE_BYTES).join(', ')})`,
    );
  }
  if (!Array.isArray(shape) || !shape.every(isCount)) {
    fail(`${where}: shape must be a list of non-negative integers (got ${preview(shape)})`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount) || offsets[0] > offsets[1]) {
    fail(`${where}: data_offsets must be [begin, end] with 0 ≤ begin ≤ end (got ${preview(offsets)})`);
  }
  const [begin, end] = offsets as [number, number];
  if (end > dataBytes) {
    fail(`${where}: data_offsets [${begin}, ${end}] go beyond the data section (${dataBytes} bytes)`);
  }
  const size = DTYPE_BYTES[dtype as SafetensorsDtype];
  // Multiply step by step so a huge shape cannot overflow into a wrong but "matching" size.
  let bytes = (shape as number[]).includes(0) ? 0 : size;
  for (const d of shape as number[]) {
    bytes *= d;
    if (bytes > Number.MAX_SAFE_INTEGER) break;
  }
  if (bytes !== end - begin) {
    const need = bytes > Number.MAX_SAFE_INTEGER ? 'more than 2^53 bytes' : `${bytes} bytes`;
    fail(
      `${where}: shape [${(shape as number[]).join(', ')}] of ${dtype} needs ${need} but data_offsets [${begin}, ${end}] hold ${end - begin}`,
    );
  }
  return { dtype: dtype as SafetensorsDtype, shape: [...(shape as number[])], begin, end };
}

/** Validates a safetensors file completely (header, every entry, offsets); decodes no tensor yet. */
export function parseSafetensors(
  input: BinaryInput,
  options: { maxHeaderBytes?: number } = {},
): SafetensorsFile {
  if (!HOST_IS_LITTLE_ENDIAN) throw new SafetensorsError('safetensors needs a little-endian host');
  const bytes = asBytes(input);
  const { json, dataStart } = parseHeader(bytes, options.maxHeaderBytes ?? MAX_HEADER_BYTES);
  if (!isPlainObject(json)) fail(`the header must be a JSON object (got ${preview(json)})`);
  const data = bytes.subarray(dataStart);
  let metadata: Record<string, string> = {};
  const entries: [string, TensorInfo][] = [];
  for (const [name, value] of Object.entries(json)) {
    if (name === '__metadata__') metadata = parseMetadata(value);
    else entries.push([name, parseEntry(name, value, data.byteLength)]);
  }
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
  return { metadata, tensors: new Map(entries), data };
}

function decode(info: TensorInfo, data: Uint8Array): Float32Array {
  const buffer = alignedCopy(data, info.begin, info.end);
  switch (info.dtype) {
    case 'F32':
      return new Float32Array(buffer);
    case 'F16':
      return decodeHalf(new Uint16Array(buffer));
    case 'BF16':
      return decodeBfloat16(new Uint16Array(buffer));
    case 'F64':
      return Float32Array.from(new Float64Array(buffer));
    case 'I64':
      return Float32Array.from(new BigInt64Array(buffer), Number);
    case 'U64':
      return Float32Array.from(new BigUint64Array(buffer), Number);
    case 'I32':
      return Float32Array.from(new Int32Array(buffer));
    case 'U32':
      return Float32Array.from(new Uint32Array(buffer));
    case 'I16':
      return Float32Array.from(new Int16Array(buffer));
    case 'U16':
      return Float32Array.from(new Uint16Array(buffer));
    case 'I8':
      return Float32Array.from(new Int8Array(buffer));
    case 'U8':
    case 'BOOL':
      return Float32Array.from(new Uint8Array(buffer));
  }
}

/**
 * One tensor of a parsed file as float32. Floats are converted (F16/BF16 exactly, F64 rounded);
 * integers too, exactly up to 2^24 in magnitude. `floatOnly` refuses integer dtypes.
 */
export function tensorFloat32(
  file: SafetensorsFile,
  name: string,
  options: { floatOnly?: boolean } = {},
): Float32Tensor {
  const info = file.tensors.get(name);
  if (!info) throw new SafetensorsError(`the file has no tensor ${preview(name)}`);
  if (options.floatOnly && !FLOAT_DTYPES.includes(info.dtype)) {
    throw new SafetensorsError(
      `tensor ${preview(name)} has dtype ${info.dtype}; a float type (${FLOAT_DTYPES.join(', ')}) is needed`,
    );
  }
  return { shape: [...info.shape], data: decode(info, file.data) };
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
 * Writes float32 tensors and string metadata. Names and metadata keys are sorted and the data laid
 * out in name order, so equal input always gives identical bytes.
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
  for (const name of names) {
    if (name === '__metadata__') throw new SafetensorsError("'__metadata__' cannot be a tensor name");
    const { shape, data } = tensors[name];
    if (!Array.isArray(shape) || !shape.every(isCount)) {
      throw new SafetensorsError(`tensor ${preview(name)}: shape must be a list of non-negative integers`);
    }
    if (!(data instanceof Float32Array) || data.length !== product(shape)) {
      throw new SafetensorsError(
        `tensor ${preview(name)}: shape [${shape.join(', ')}] needs ${product(shape)} float32 values (got ${data?.length})`,
      );
    }
    setOwn(header, name, {
      dtype: 'F32',
      shape: [...shape],
      data_offsets: [offset, offset + data.byteLength],
    });
    offset += data.byteLength;
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
  for (const name of names) {
    const { data } = tensors[name];
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), at);
    at += data.byteLength;
  }
  return out;
}
