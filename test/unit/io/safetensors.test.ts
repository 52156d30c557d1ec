import { describe, expect, it } from 'vitest';
import { FormatError, SafetensorsError } from '../../../src/model/io/errors';
import { halfBitsToNumber } from '../../../src/model/io/halfFloat';
import {
  parseSafetensors,
  readSafetensors,
  tensorFloat32,
  writeSafetensors,
} from '../../../src/model/io/safetensors';

/** A file from a header given as JSON text (or an object) and raw data bytes: for malformed cases. */
function rawFile(header: string | object, data: Uint8Array = new Uint8Array(0), declaredLength?: number) {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, declaredLength ?? json.length, true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function u16(values: number[]): Uint8Array {
  return new Uint8Array(new Uint16Array(values).buffer);
}

function expectError(bytes: Uint8Array, message: RegExp) {
  expect(() => parseSafetensors(bytes)).toThrowError(SafetensorsError);
  expect(() => parseSafetensors(bytes)).toThrowError(message);
}

describe('writeSafetensors / readSafetensors', () => {
  it('round-trips float32 tensors and metadata', () => {
    const a = {
      shape: [2, 3],
      data: new Float32Array([1, -2, 3.5, Number.NaN, Number.POSITIVE_INFINITY, 1e-40]),
    };
    const b = { shape: [], data: new Float32Array([42]) };
    const empty = { shape: [0, 4], data: new Float32Array(0) };
    const bytes = writeSafetensors({ b, a, empty }, { config: '{"n_keys":32}', knn: '8' });
    const { tensors, metadata } = readSafetensors(bytes);
    expect(metadata).toEqual({ config: '{"n_keys":32}', knn: '8' });
    expect(Object.keys(tensors)).toEqual(['a', 'b', 'empty']);
    expect(tensors.a.shape).toEqual([2, 3]);
    expect(Array.from(tensors.a.data)).toEqual(Array.from(a.data));
    expect(tensors.b).toEqual({ shape: [], data: new Float32Array([42]) });
    expect(tensors.empty.shape).toEqual([0, 4]);
  });

  it('is deterministic: sorted names and keys, header padded with spaces to 8 bytes', () => {
    const t1 = { shape: [1], data: new Float32Array([1]) };
    const t2 = { shape: [2], data: new Float32Array([2, 3]) };
    const x = writeSafetensors({ z: t1, a: t2 }, { y: '1', b: '2' });
    const y = writeSafetensors({ a: t2, z: t1 }, { b: '2', y: '1' });
    expect(x).toEqual(y);
    const headerLength = new DataView(x.buffer).getUint32(0, true);
    expect(headerLength % 8).toBe(0);
    const header = new TextDecoder().decode(x.subarray(8, 8 + headerLength));
    expect(header.trimEnd()).toBe(
      '{"__metadata__":{"b":"2","y":"1"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},' +
        '"z":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}',
    );
    expect(header.slice(header.trimEnd().length)).toMatch(/^ *$/);
  });

  it('reads from a view at an unaligned offset (a Node Buffer slice)', () => {
    const bytes = writeSafetensors({ w: { shape: [3], data: new Float32Array([1.5, 2.5, 3.5]) } });
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    const { tensors } = readSafetensors(shifted.subarray(3));
    expect(Array.from(tensors.w.data)).toEqual([1.5, 2.5, 3.5]);
    expect(readSafetensors(bytes.slice().buffer).tensors.w.shape).toEqual([3]);
  });

  it('keeps names such as __proto__ as ordinary tensors and metadata', () => {
    const tensors = Object.fromEntries([['__proto__', { shape: [1], data: new Float32Array([7]) }]]);
    const read = readSafetensors(writeSafetensors(tensors, Object.fromEntries([['__proto__', 'v']])));
    expect(Object.keys(read.tensors)).toEqual(['__proto__']);
    expect(Array.from(Object.getOwnPropertyDescriptor(read.tensors, '__proto__')?.value.data)).toEqual([7]);
    expect(Object.keys(read.metadata)).toEqual(['__proto__']);
  });

  it('refuses tensors whose data does not match the shape', () => {
    expect(() => writeSafetensors({ a: { shape: [2, 2], data: new Float32Array(3) } })).toThrowError(
      /shape \[2, 2\] needs 4 float32 values \(got 3\)/,
    );
    expect(() =>
      writeSafetensors({ a: { shape: [1], data: new Float32Array(1) } }, { k: 3 as unknown as string }),
    ).toThrowError(SafetensorsError);
  });
});

describe('16-bit and 64-bit floats', () => {
  it('decodes F16 bit patterns exactly: normals, subnormals, zeros, infinities, NaN', () => {
    const bits = [
      0x3c00, 0xc000, 0x7bff, 0x0400, 0x0001, 0x03ff, 0x0000, 0x8000, 0x7c00, 0xfc00, 0x7e00, 0x3555,
    ];
    const expected = [
      1,
      -2,
      65504,
      2 ** -14,
      2 ** -24,
      1023 * 2 ** -24,
      0,
      -0,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      Number.NaN,
      Math.fround(0.333251953125),
    ];
    const file = rawFile(
      { h: { dtype: 'F16', shape: [bits.length], data_offsets: [0, 2 * bits.length] } },
      u16(bits),
    );
    const { data } = tensorFloat32(parseSafetensors(file), 'h');
    expect(Array.from(data)).toEqual(expected);
    expect(Object.is(data[7], -0)).toBe(true);
    for (let i = 0; i < bits.length; i++)
      expect(Object.is(halfBitsToNumber(bits[i]), expected[i])).toBe(true);
  });

  it('decodes BF16 as the top half of float32', () => {
    const bits = [0x3f80, 0xc040, 0x7f80, 0xff80, 0x7fc0, 0x0001, 0x8000, 0x4049];
    const expected = [
      1,
      -3,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      Number.NaN,
      2 ** -133,
      -0,
      3.140625,
    ];
    const file = rawFile({ b: { dtype: 'BF16', shape: [2, 4], data_offsets: [0, 16] } }, u16(bits));
    const t = tensorFloat32(parseSafetensors(file), 'b');
    expect(t.shape).toEqual([2, 4]);
    expect(Array.from(t.data)).toEqual(expected);
  });

  it('rounds F64 to float32 and converts integer dtypes', () => {
    const f64 = new Uint8Array(new Float64Array([0.1, -1e300, 2]).buffer);
    const i64 = new Uint8Array(new BigInt64Array([-5n, 123456n]).buffer);
    const data = new Uint8Array(f64.length + i64.length);
    data.set(f64);
    data.set(i64, f64.length);
    const file = rawFile(
      {
        d: { dtype: 'F64', shape: [3], data_offsets: [0, 24] },
        n: { dtype: 'I64', shape: [2], data_offsets: [24, 40] },
      },
      data,
    );
    const parsed = parseSafetensors(file);
    expect(Array.from(tensorFloat32(parsed, 'd').data)).toEqual([
      Math.fround(0.1),
      Number.NEGATIVE_INFINITY,
      2,
    ]);
    expect(Array.from(tensorFloat32(parsed, 'n').data)).toEqual([-5, 123456]);
    expect(() => tensorFloat32(parsed, 'n', { floatOnly: true })).toThrowError(/has dtype I64; a float type/);
    expect(() => tensorFloat32(parsed, 'missing')).toThrowError(/no tensor "missing"/);
  });
});

describe('malformed files give one clear SafetensorsError', () => {
  const f32 = (shape: number[], offsets: number[]) => ({ dtype: 'F32', shape, data_offsets: offsets });
  const cases: [string, Uint8Array, RegExp][] = [
    [
      'shorter than 8 bytes',
      new Uint8Array(5),
      /^not a safetensors file: it has 5 bytes; a safetensors file starts with an 8-byte header length$/,
    ],
    [
      'header length over the cap',
      rawFile('{}', undefined, 200_000_000),
      /^not a safetensors file: its first 8 bytes give a header length of 200000000 bytes, over the 100,000,000/,
    ],
    [
      'header length beyond the file',
      rawFile('{}', undefined, 1000),
      /^incomplete safetensors file: 10 of 1,008 bytes \(it ends inside its header\)$/,
    ],
    [
      'header not UTF-8',
      (() => {
        const b = rawFile('{"a":1}');
        b[10] = 0xff;
        return b;
      })(),
      /header is not valid UTF-8/,
    ],
    ['header not JSON', rawFile('{"a":'), /header is not valid JSON/],
    [
      'header an array',
      rawFile('[1,2]'),
      /^not a safetensors file: its header does not start with a JSON object$/,
    ],
    [
      'deeply nested header',
      rawFile(`${'['.repeat(200_000)}${']'.repeat(200_000)}`),
      /^not a safetensors file: its header does not start with a JSON object$/,
    ],
    [
      'deeply nested shape',
      rawFile(
        `{"a":{"dtype":"F32","shape":${'['.repeat(200_000)}${']'.repeat(200_000)},"data_offsets":[0,0]}}`,
      ),
      /shape must be a list/,
    ],
    ['entry not an object', rawFile({ a: 3 }), /tensor "a" must be an object/],
    [
      'dtype missing',
      rawFile({ a: { shape: [1], data_offsets: [0, 4] } }, new Uint8Array(4)),
      /tensor "a": dtype must be a string/,
    ],
    [
      'unknown dtype',
      rawFile({ a: { dtype: 'F9_E9', shape: [1], data_offsets: [0, 1] } }, new Uint8Array(1)),
      /tensor "a": unknown dtype "F9_E9" \(safetensors has F64, F32/,
    ],
    [
      'shape not a list',
      rawFile({ a: { dtype: 'F32', shape: 4, data_offsets: [0, 16] } }, new Uint8Array(16)),
      /shape must be a list of non-negative integers \(got 4\)/,
    ],
    [
      'negative dimension',
      rawFile({ a: f32([-1], [0, 4]) }, new Uint8Array(4)),
      /shape must be a list of non-negative integers/,
    ],
    ['fractional dimension', rawFile({ a: f32([1.5], [0, 4]) }, new Uint8Array(4)), /shape must be a list/],
    [
      'offsets not a pair',
      rawFile({ a: f32([1], [0]) }, new Uint8Array(4)),
      /data_offsets must be \[begin, end\]/,
    ],
    [
      'offsets reversed',
      rawFile({ a: f32([0], [4, 0]) }, new Uint8Array(4)),
      /data_offsets must be \[begin, end\] with 0 ≤ begin ≤ end/,
    ],
    [
      'offsets beyond the data',
      rawFile({ a: f32([2], [0, 8]) }, new Uint8Array(4)),
      /^incomplete safetensors file: \d+ of \d+ bytes$/,
    ],
    [
      'size does not match shape',
      rawFile({ a: f32([3], [0, 8]) }, new Uint8Array(8)),
      /shape \[3\] of F32 needs 12 bytes but data_offsets \[0, 8\] hold 8/,
    ],
    [
      'huge shape',
      rawFile({ a: f32([2 ** 40, 2 ** 40], [0, 8]) }, new Uint8Array(8)),
      /needs more than 2\^53 bytes/,
    ],
    [
      'overlapping tensors',
      rawFile({ a: f32([2], [0, 8]), b: f32([2], [4, 12]) }, new Uint8Array(12)),
      /tensors "a" \[0, 8\] and "b" \[4, 12\] overlap/,
    ],
    ['metadata not an object', rawFile({ __metadata__: ['x'] }), /__metadata__ must be an object of strings/],
    [
      'metadata value not a string',
      rawFile({ __metadata__: { knn: 8 } }),
      /__metadata__ value of "knn" must be a string \(got 8\)/,
    ],
  ];
  for (const [what, bytes, message] of cases) {
    it(what, () => expectError(bytes, message));
  }

  it('names the problem in a single line and is a FormatError', () => {
    try {
      parseSafetensors(rawFile({ a: f32([3], [0, 8]) }, new Uint8Array(8)));
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(FormatError);
      expect((err as Error).name).toBe('SafetensorsError');
      expect((err as Error).message).toMatch(/^invalid safetensors file: /);
      expect((err as Error).message).not.toMatch(/\n/);
    }
  });

  it('survives random truncations and bit flips: parses or throws SafetensorsError, quickly', () => {
    const tensors = {
      keys: { shape: [2, 2, 4, 3], data: new Float32Array(48).map((_, i) => i / 7) },
      'values.weight': { shape: [16, 5], data: new Float32Array(80).map((_, i) => -i) },
    };
    const good = writeSafetensors(tensors, { knn: '2', config: '{"a":[1,2,3]}' });
    let seed = 12345;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed % n;
    };
    const started = performance.now();
    let parsed = 0;
    for (let trial = 0; trial < 3000; trial++) {
      let bytes = good.slice();
      if (trial % 3 === 0) bytes = bytes.subarray(0, rand(good.length));
      else {
        const flips = 1 + rand(4);
        // Most flips land in the header, where they matter most.
        for (let f = 0; f < flips; f++) {
          const at = rand(4) === 0 ? rand(bytes.length) : rand(Math.min(bytes.length, 8 + 200));
          bytes[at] ^= 1 << rand(8);
        }
      }
      try {
        const { tensors: read } = readSafetensors(bytes);
        for (const t of Object.values(read)) expect(t.data.length).toBe(t.shape.reduce((a, b) => a * b, 1));
        parsed++;
      } catch (err) {
        if (!(err instanceof SafetensorsError)) throw err;
      }
    }
    expect(parsed).toBeGreaterThan(0);
    expect(performance.now() - started).toBeLessThan(5000);
  });
});
