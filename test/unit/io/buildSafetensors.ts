/** Test helper: a safetensors file with any dtype, laid out like Python's safetensors writes it. */
export interface RawTensor {
  dtype: string;
  shape: number[];
  bytes: Uint8Array;
}

export function buildSafetensors(
  tensors: Record<string, RawTensor>,
  metadata?: Record<string, string>,
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  let offset = 0;
  const names = Object.keys(tensors);
  for (const name of names) {
    const t = tensors[name];
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.bytes.length] };
    offset += t.bytes.length;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const name of names) {
    out.set(tensors[name].bytes, at);
    at += tensors[name].bytes.length;
  }
  return out;
}

export function f32(shape: number[], data: Float32Array | number[]): RawTensor {
  const values = data instanceof Float32Array ? data : new Float32Array(data);
  return { dtype: 'F32', shape, bytes: new Uint8Array(values.slice().buffer) };
}

/** Deterministic pseudo-random floats in [-1, 1). */
export function randomFloats(n: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = (s / 2 ** 32) * 2 - 1;
  }
  return out;
}
