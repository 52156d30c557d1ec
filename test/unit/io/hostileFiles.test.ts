/**
 * Crafted files (built here) that once allocated gigabytes or produced megabyte-long messages:
 * each is refused quickly, in bounded memory, with one short line naming the real cause.
 */
import { describe, expect, it } from 'vitest';
import { FormatError } from '../../../src/model/io/errors';
import { readInputVectors } from '../../../src/model/io/inputVectors';
import { describeMemoryFile, readMemoryFile } from '../../../src/model/io/layouts';
import { readNpy } from '../../../src/model/io/npy';
import { parseSafetensors, writeSafetensors } from '../../../src/model/io/safetensors';
import { file, sharedKeysBomb } from './craftedFiles';
import { pkmStateDict } from './torchModules';

async function rejection(run: () => unknown): Promise<{ error: Error; ms: number; heapMb: number }> {
  const heap = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
  const start = performance.now();
  let error: Error | null = null;
  try {
    await run();
  } catch (err) {
    error = err as Error;
  }
  const ms = performance.now() - start;
  const heapMb = (process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers - heap) / 2 ** 20;
  expect(error, 'the file was accepted').not.toBeNull();
  expect(error).toBeInstanceOf(FormatError);
  expect(error!.message).not.toMatch(/\n/);
  expect(error!.message.length).toBeLessThan(300);
  return { error: error!, ms, heapMb };
}

describe('crafted memory files are refused before anything is allocated', () => {
  for (const exponent of [28, 30]) {
    it(`shared keys with a query weight [2·2^${exponent}, 0] (${sharedKeysBomb(2 ** exponent).length} bytes)`, async () => {
      const bytes = sharedKeysBomb(2 ** exponent);
      expect(bytes.length).toBeLessThan(300);
      const read = await rejection(() => readMemoryFile(bytes, { knn: 1 }));
      expect(read.error.message).toMatch(/^xlm layout: d_in must be an integer from 1 to 65536 \(got 0\)$/);
      // Generous bounds for a shared, noisy machine: the point is milliseconds and kilobytes, not 97 s and 8.5 GB.
      expect(read.ms).toBeLessThan(1000);
      expect(read.heapMb).toBeLessThan(64);
      const forced = await rejection(() => readMemoryFile(bytes, { knn: 1, layout: 'lingua' }));
      expect(forced.error.message).toMatch(/^lingua layout: /);
      expect(forced.ms).toBeLessThan(1000);
      const described = await rejection(() => {
        const d = describeMemoryFile(bytes);
        if (d.memories.length === 0) throw new FormatError(d.problems[0].message);
      });
      expect(described.error.message).toMatch(/d_in must be/);
    });
  }

  it('more heads than the app reads, with a real input width: refused by the spec limits before expanding', async () => {
    const bytes = file(
      {
        keys: { dtype: 'F32', shape: [2, 1], data_offsets: [0, 8] },
        'values.weight': { dtype: 'F32', shape: [4, 1], data_offsets: [8, 24] },
        'query_proj.query_mlps.0.weight': {
          dtype: 'F32',
          shape: [2 * 1024, 1],
          data_offsets: [24, 24 + 8192],
        },
      },
      new Uint8Array(24 + 8192),
    );
    const { error } = await rejection(() => readMemoryFile(bytes, { knn: 1 }));
    expect(error.message).toMatch(/^xlm layout: heads must be an integer from 1 to 8 \(got 1024\)$/);
  });

  it('a shape of 10,000,000 dimensions (a 20 MB header) gets a short message', async () => {
    const dims = `[${'2,'.repeat(10_000_000 - 1)}2]`;
    const bytes = file(`{"keys":{"dtype":"F32","shape":${dims},"data_offsets":[0,4]}}`, new Uint8Array(4));
    expect(bytes.length).toBeGreaterThan(20_000_000);
    const { error, ms } = await rejection(() => parseSafetensors(bytes));
    expect(error.message).toMatch(
      /shape \[2, 2, 2, … \(10,000,000 dims\)\] of F32 needs more than 2\^53 bytes/,
    );
    // Bounded by decoding the header itself (a ratio, not a wall time: the machine is shared).
    const started = performance.now();
    JSON.parse(new TextDecoder().decode(bytes.subarray(8, bytes.length - 4)));
    const parseMs = performance.now() - started;
    expect(ms).toBeLessThan(4 * parseMs + 250);
  });

  it('a valid tensor of 10,000,000 dimensions named in a layout error stays short', async () => {
    const sd = pkmStateDict({ dim: 4, heads: 1, numKeys: 2, dimHead: 2, seed: 1 });
    const header: Record<string, unknown> = {};
    let at = 0;
    const chunks: Uint8Array[] = [];
    for (const [name, t] of Object.entries(sd)) {
      const shape = name === 'norm.weight' ? new Array(2_000_000).fill(1).concat([2]) : t.shape;
      header[name] = { dtype: 'F32', shape, data_offsets: [at, at + t.data.byteLength] };
      at += t.data.byteLength;
      chunks.push(new Uint8Array(t.data.buffer));
    }
    const data = new Uint8Array(at);
    let o = 0;
    for (const c of chunks) {
      data.set(c, o);
      o += c.length;
    }
    const { error } = await rejection(() => readMemoryFile(file(header, data), { knn: 1 }));
    expect(error.message).toMatch(
      /^lucidrains layout: tensor 'norm\.weight' must be \[dim_head\] = \[2\] \(got \[1, 1, 1, … \(2,000,001 dims\)\]\)$/,
    );
  });

  it('a .npy header of 5,000,000 dimensions is refused by its size, quickly', async () => {
    const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${'2, '.repeat(5_000_000)}), }`;
    const header = new TextEncoder().encode(`${dict}\n`);
    const bytes = new Uint8Array(12 + header.length);
    bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 2, 0]);
    new DataView(bytes.buffer).setUint32(8, header.length, true);
    bytes.set(header, 12);
    const { error, ms } = await rejection(() => readNpy(bytes));
    expect(error.message).toMatch(
      /^invalid \.npy file: the header is 15,000,\d{3} bytes long; at most 1,000,000 are read$/,
    );
    expect(ms).toBeLessThan(1000);
  });

  it('a header length of 2^64 − 1 is printed exactly', async () => {
    const bytes = new Uint8Array(16).fill(0xff);
    const { error } = await rejection(() => parseSafetensors(bytes));
    expect(error.message).toContain('a header length of 18446744073709551615 bytes');
  });
});

describe('what a file that is not a memory is', () => {
  it('a PNG, a text file, a torch.save zip, a .npy: "not a safetensors file", named', async () => {
    const png = new Uint8Array([
      0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52,
    ]);
    expect((await rejection(() => parseSafetensors(png))).error.message).toBe(
      'not a safetensors file: it is a PNG image',
    );
    const text = new TextEncoder().encode('this is not a safetensors file, just some notes\n');
    expect((await rejection(() => parseSafetensors(text))).error.message).toBe(
      'not a safetensors file: it is a text file (it starts with "this is not a safetensor…")',
    );
    const zip = new Uint8Array([0x50, 0x4b, 0x03, 0x04, 20, 0, 0, 0, 8, 0]);
    expect((await rejection(() => parseSafetensors(zip))).error.message).toMatch(
      /^not a safetensors file: it is a zip archive, e\.g\. a PyTorch torch\.save checkpoint/,
    );
    const npyBytes = new Uint8Array([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 10, 0]);
    expect((await rejection(() => parseSafetensors(npyBytes))).error.message).toBe(
      'not a safetensors file: it is a NumPy .npy array',
    );
  });

  it('a cut-off file is "incomplete: N of M bytes"', async () => {
    const whole = writeSafetensors(pkmStateDict({ dim: 8, heads: 2, numKeys: 6, dimHead: 3, seed: 1 }));
    const cut = whole.subarray(0, whole.length - 100);
    expect((await rejection(() => readMemoryFile(cut, { knn: 2 }))).error.message).toBe(
      `incomplete safetensors file: ${cut.length.toLocaleString('en')} of ${whole.length.toLocaleString('en')} bytes`,
    );
    const inHeader = whole.subarray(0, 40);
    expect((await rejection(() => parseSafetensors(inHeader))).error.message).toMatch(
      /^incomplete safetensors file: 40 of [\d,]+ bytes \(it ends inside its header\)$/,
    );
  });

  it('inputs: a safetensors file given as inputs, a width that is not d_in, NaN', async () => {
    const st = writeSafetensors({ a: { shape: [1], data: new Float32Array(1) } });
    expect((await rejection(() => readNpy(st))).error.message).toMatch(
      /it is a safetensors file: give it as the memory/,
    );
    const { writeNpy } = await import('../../../src/model/io/npy');
    const wide = writeNpy(new Float32Array(14), [2, 7]);
    expect((await rejection(() => readInputVectors(wide, 6))).error.message).toBe(
      "the inputs are 7 wide but the memory's input width d_in is 6",
    );
    const nan = new Float32Array(12);
    nan[8] = Number.NaN;
    expect((await rejection(() => readInputVectors(writeNpy(nan, [2, 6]), 6))).error.message).toBe(
      'the inputs hold NaN at row 1, column 2',
    );
  });
});

describe('the panel reads headers up to 16 MB on the page', () => {
  it('a larger header is refused as too large to read here, not as "not safetensors"', async () => {
    const { describeForPanel } = await import('../../../src/app/lab/byoMemory/memoryChoice');
    const big = file(
      `{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"pad":"${'x'.repeat(17_000_000)}"}`,
      new Uint8Array(4),
    );
    const choice = describeForPanel(big);
    expect(choice).toEqual({
      ok: false,
      message: expect.stringMatching(
        /^invalid safetensors file: its header is 17,000,0\d\d bytes long, more than the 16,000,000 read here$/,
      ),
    });
  });
});
