import { describe, expect, it } from 'vitest';
import {
  decodeBfloat16,
  decodeHalf,
  encodeBfloat16,
  encodeHalf,
  halfBitsToNumber,
  numberToHalfBits,
} from '../../../src/model/io/halfFloat';
import { parseSafetensors, tensorFloat32, writeSafetensors } from '../../../src/model/io/safetensors';

describe('16-bit float encoding', () => {
  it('every half value survives encode(decode(bits)), NaN aside', () => {
    const wrong: number[] = [];
    for (let bits = 0; bits < 65536; bits++) {
      const x = halfBitsToNumber(bits);
      const back = numberToHalfBits(x);
      if (Number.isNaN(x) ? !Number.isNaN(halfBitsToNumber(back)) : back !== bits) wrong.push(bits);
    }
    expect(wrong).toEqual([]);
  });

  it('rounds to the nearest half, ties to even, with overflow to Infinity and underflow to zero', () => {
    expect(halfBitsToNumber(numberToHalfBits(1 + 2 ** -11))).toBe(1); // tie → even (1)
    expect(halfBitsToNumber(numberToHalfBits(1 + 3 * 2 ** -11))).toBe(1 + 2 ** -9); // tie → even
    expect(halfBitsToNumber(numberToHalfBits(1 + 2 ** -11 + 2 ** -20))).toBe(1 + 2 ** -10);
    expect(halfBitsToNumber(numberToHalfBits(65520))).toBe(Number.POSITIVE_INFINITY);
    expect(halfBitsToNumber(numberToHalfBits(65519))).toBe(65504);
    expect(halfBitsToNumber(numberToHalfBits(2 ** -25))).toBe(0); // tie with 0 → even
    expect(halfBitsToNumber(numberToHalfBits(1.5 * 2 ** -25))).toBe(2 ** -24);
    expect(halfBitsToNumber(numberToHalfBits(-3e-9))).toBe(-0);
    const random = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i * 12.9898) * 100);
    const back = decodeHalf(encodeHalf(random));
    random.forEach((x, i) => {
      expect(Math.abs(back[i] - x)).toBeLessThanOrEqual(Math.abs(x) * 2 ** -11);
    });
  });

  it('bfloat16 keeps float32 range and rounds to nearest even', () => {
    const xs = Float32Array.from([1e-30, -3.5e-12, 1 + 2 ** -8, 1 + 3 * 2 ** -8, 3e38, Number.NaN]);
    const back = decodeBfloat16(encodeBfloat16(xs));
    expect(back[0] / 1e-30).toBeCloseTo(1, 2);
    expect(back[1] / -3.5e-12).toBeCloseTo(1, 2);
    expect(back[2]).toBe(1);
    expect(back[3]).toBe(1 + 2 ** -6);
    expect(Number.isFinite(back[4])).toBe(true);
    expect(Number.isNaN(back[5])).toBe(true);
  });

  it('writeSafetensors stores a tensor as F16 or BF16 when asked, and the reader gets it back', () => {
    const data = Float32Array.from([0.5, -2, 1e-3, 1000]);
    const bytes = writeSafetensors({
      a: { shape: [4], data, dtype: 'F16' },
      b: { shape: [2, 2], data, dtype: 'BF16' },
      c: { shape: [4], data },
    });
    const file = parseSafetensors(bytes);
    expect([...file.tensors.values()].map((t) => [t.dtype, t.end - t.begin])).toEqual([
      ['F16', 8],
      ['BF16', 8],
      ['F32', 16],
    ]);
    expect(Array.from(tensorFloat32(file, 'a').data)).toEqual(Array.from(decodeHalf(encodeHalf(data))));
    expect(Array.from(tensorFloat32(file, 'b').data)).toEqual(
      Array.from(decodeBfloat16(encodeBfloat16(data))),
    );
    expect(Array.from(tensorFloat32(file, 'c').data)).toEqual(Array.from(data));
    expect(() => writeSafetensors({ d: { shape: [4], data, dtype: 'F64' as 'F32' } })).toThrow(
      /cannot write dtype/,
    );
  });
});
