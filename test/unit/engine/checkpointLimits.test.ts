import { afterEach, describe, expect, it } from 'vitest';
import { decodeCheckpoint } from '../../../src/engine/checkpoint';
import { parseSafetensors } from '../../../src/model/io/safetensors';
import { openSession, type TestSession, TINY } from './harness';

let t: TestSession | null = null;
afterEach(async () => {
  await t?.session.dispose();
  t = null;
});

/** The checkpoint's bytes with one more tensor (U8, `bytes` long) appended. */
function withExtraTensor(checkpoint: Uint8Array, name: string, bytes: number): Uint8Array {
  const file = parseSafetensors(checkpoint);
  const header: Record<string, unknown> = { __metadata__: file.metadata };
  for (const [n, info] of file.tensors)
    header[n] = { dtype: info.dtype, shape: info.shape, data_offsets: [info.begin, info.end] };
  header[name] = { dtype: 'U8', shape: [bytes], data_offsets: [file.data.length, file.data.length + bytes] };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + file.data.length + bytes);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(file.data, 8 + json.length);
  return out;
}

describe('checkpoint reading checks sizes before decoding', () => {
  it('a 64 MB tensor the model does not have is refused by name without being decoded (256 MB as float32)', async () => {
    t = openSession();
    await t.ok({ type: 'init', backend: 'wasm' });
    await t.ok({ type: 'configure', config: TINY, skipWarmupSteps: true });
    const { bytes } = await t.ok({ type: 'saveCheckpoint' });
    expect(decodeCheckpoint(bytes).step).toBe(0);
    const big = withExtraTensor(bytes, 'junk', 64 * 2 ** 20);
    const before = process.memoryUsage().arrayBuffers;
    expect(() => decodeCheckpoint(big)).toThrow(/^not a PKM Explorer checkpoint: unexpected tensors junk$/);
    expect((process.memoryUsage().arrayBuffers - before) / 2 ** 20).toBeLessThan(100);
  });
});
