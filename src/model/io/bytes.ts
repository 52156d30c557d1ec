/** Binary input accepted by the readers: a whole ArrayBuffer or a view of part of one (e.g. a Node Buffer). */
export type BinaryInput = ArrayBuffer | ArrayBufferView;

export function asBytes(input: BinaryInput): Uint8Array {
  if (input instanceof Uint8Array) return input;
  if (ArrayBuffer.isView(input)) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  return new Uint8Array(input);
}

/**
 * Typed-array views need the host's byte order to be the files' little-endian order. Every platform
 * that runs this app is little-endian; refuse clearly rather than decode garbage on the others.
 */
export const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A copy of bytes [begin, end) in a fresh, aligned ArrayBuffer (a file's offsets need not be aligned). */
export function alignedCopy(bytes: Uint8Array, begin: number, end: number): ArrayBuffer {
  return bytes.slice(begin, end).buffer;
}

export function product(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}
