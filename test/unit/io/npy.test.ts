import { describe, expect, it } from 'vitest';
import { NpyError } from '../../../src/model/io/errors';
import { readNpy, writeNpy } from '../../../src/model/io/npy';

/** Files written by numpy 2.4 (np.save / np.lib.format.write_array), base64. */
const NUMPY = {
  /** np.arange(6, dtype='<f4').reshape(2, 3) / 4 */
  f4: 'k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDMpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAACAPgAAAD8AAEA/AACAPwAAoD8=',
  /** np.array([0.1, -2.5, 1e300]), version (2, 0) */
  f8v2: 'k05VTVBZAgB0AAAAeydkZXNjcic6ICc8ZjgnLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoMywpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAqamZmZmZm5PwAAAAAAAATAnHUAiDzkN34=',
  /** np.array([[1.5]]), version (3, 0) */
  f8v3: 'k05VTVBZAwB0AAAAeydkZXNjcic6ICc8ZjgnLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoMSwgMSksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAD4Pw==',
  /** np.asfortranarray of the f4 array */
  fortran:
    'k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBUcnVlLCAnc2hhcGUnOiAoMiwgMyksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAABAPwAAgD4AAIA/AAAAPwAAoD8=',
  /** np.arange(3, dtype='<i4') */
  i4: 'k05VTVBZAQB2AHsnZGVzY3InOiAnPGk0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAQAAAAIAAAA=',
  /** np.arange(3, dtype='>f4') */
  bigEndian:
    'k05VTVBZAQB2AHsnZGVzY3InOiAnPmY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAP4AAAEAAAAA=',
  /** np.float32(3.25) */
  scalar:
    'k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKCksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAFBA',
  /** np.zeros((0, 4), dtype='<f4') */
  empty:
    'k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDAsIDQpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAo=',
};
const file = (name: keyof typeof NUMPY) => new Uint8Array(Buffer.from(NUMPY[name], 'base64'));

function header(dict: string, data = new Uint8Array(0)): Uint8Array {
  const text = `${dict}\n`;
  const out = new Uint8Array(10 + text.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, text.length, true);
  out.set(new TextEncoder().encode(text), 10);
  out.set(data, 10 + text.length);
  return out;
}

describe('readNpy', () => {
  it("reads numpy's <f4 and <f8 files, versions 1.0, 2.0 and 3.0", () => {
    expect(readNpy(file('f4'))).toEqual({
      shape: [2, 3],
      dtype: '<f4',
      data: new Float32Array([0, 0.25, 0.5, 0.75, 1, 1.25]),
    });
    const f8 = readNpy(file('f8v2'));
    expect(f8.shape).toEqual([3]);
    expect(f8.dtype).toBe('<f8');
    expect(Array.from(f8.data)).toEqual([Math.fround(0.1), -2.5, Number.POSITIVE_INFINITY]);
    expect(readNpy(file('f8v3'))).toEqual({ shape: [1, 1], dtype: '<f8', data: new Float32Array([1.5]) });
    expect(readNpy(file('scalar'))).toEqual({ shape: [], dtype: '<f4', data: new Float32Array([3.25]) });
    expect(readNpy(file('empty'))).toEqual({ shape: [0, 4], dtype: '<f4', data: new Float32Array(0) });
  });

  it('reads from an unaligned view and accepts Python-2 style headers', () => {
    const bytes = file('f4');
    const shifted = new Uint8Array(bytes.length + 1);
    shifted.set(bytes, 1);
    expect(readNpy(shifted.subarray(1)).data[5]).toBe(1.25);
    const py2 = header(`{"descr": "<f4", "shape": (2L,), "fortran_order": False}`, new Uint8Array(8));
    expect(readNpy(py2).shape).toEqual([2]);
  });

  const cases: [string, Uint8Array, RegExp][] = [
    [
      'bad magic',
      new TextEncoder().encode('PK\x03\x04 not numpy at all'),
      /does not start with the magic string/,
    ],
    ['too short', new Uint8Array([0x93, 0x4e]), /does not start with the magic string/],
    [
      'unknown version',
      (() => {
        const b = file('f4');
        b[6] = 9;
        return b;
      })(),
      /unsupported format version 9\.0/,
    ],
    ['fortran order', file('fortran'), /fortran_order is True; save a C-order array/],
    [
      'int32 dtype',
      file('i4'),
      /unsupported integer or boolean dtype "<i4" \(only little-endian float32 '<f4' and float64 '<f8' are read\)/,
    ],
    ['big-endian dtype', file('bigEndian'), /unsupported dtype ">f4"/],
    [
      'structured dtype',
      header("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }"),
      /unsupported dtype \[\["a","<f4"\]\]/,
    ],
    [
      'data shorter than the shape',
      file('f4').subarray(0, 150),
      /shape \(2, 3\) of <f4 needs 24 data bytes but the file holds 22/,
    ],
    [
      'data longer than the shape',
      header("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", new Uint8Array(8)),
      /needs 4 data bytes but the file holds 8/,
    ],
    [
      'header beyond the file',
      file('f4').subarray(0, 60),
      /header length 118 goes beyond the end of the file \(60 bytes\)/,
    ],
    ['header not a dict literal', header("{'descr': '<f4', 'shape': (1,"), /expected a value at character/],
    [
      'shape not integers',
      header("{'descr': '<f4', 'fortran_order': False, 'shape': ('a',), }"),
      /shape must be a tuple of non-negative integers/,
    ],
    [
      'fortran_order missing',
      header("{'descr': '<f4', 'shape': (0,), }"),
      /fortran_order must be True or False/,
    ],
  ];
  for (const [what, bytes, message] of cases) {
    it(`refuses: ${what}`, () => {
      expect(() => readNpy(bytes)).toThrowError(NpyError);
      expect(() => readNpy(bytes)).toThrowError(message);
    });
  }

  it('throws only NpyError on random truncations and bit flips', () => {
    const good = file('f4');
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed % n;
    };
    for (let trial = 0; trial < 2000; trial++) {
      const bytes = trial % 2 ? good.slice(0, rand(good.length)) : good.slice();
      if (trial % 2 === 0) bytes[rand(80)] ^= 1 << rand(8);
      try {
        readNpy(bytes);
      } catch (err) {
        if (!(err instanceof NpyError)) throw err;
      }
    }
  });
});

describe('writeNpy', () => {
  it('writes the same bytes as numpy.save', () => {
    expect(writeNpy(new Float32Array([0, 0.25, 0.5, 0.75, 1, 1.25]), [2, 3])).toEqual(file('f4'));
    expect(writeNpy(new Float32Array([3.25]), [])).toEqual(file('scalar'));
    expect(writeNpy(new Float32Array(0), [0, 4])).toEqual(file('empty'));
  });

  it('round-trips, 1-D shapes as (n,), data on a 64-byte boundary', () => {
    const data = new Float32Array([1, 2, 3]);
    const bytes = writeNpy(data, [3]);
    expect(new TextDecoder().decode(bytes.subarray(10, 80))).toContain("'shape': (3,)");
    expect((bytes.length - 12) % 64).toBe(0);
    expect(readNpy(bytes)).toEqual({ shape: [3], dtype: '<f4', data });
    expect(() => writeNpy(data, [2, 2])).toThrowError(/shape \(2, 2\) does not hold 3 values/);
  });
});
