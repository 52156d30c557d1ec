/** Crafted safetensors files for the hostile-input tests (unit and CLI). */

/** A safetensors file from a header object and data bytes. */
export function file(header: object | string, data = new Uint8Array(0)): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

/** The 264-byte kind of file: shared 2-D keys, and a query weight [2H, 0] that needs no data. */
export function sharedKeysBomb(heads: number): Uint8Array {
  return file(
    {
      keys: { dtype: 'F32', shape: [2, 1], data_offsets: [0, 8] },
      'values.weight': { dtype: 'F32', shape: [4, 1], data_offsets: [8, 24] },
      'query_proj.query_mlps.0.weight': { dtype: 'F32', shape: [2 * heads, 0], data_offsets: [24, 24] },
    },
    new Uint8Array(24),
  );
}
