import { describe, expect, it } from 'vitest';
import { decimateM4 } from '../../src/components/chart/decimate';
import { formatCount, formatPercent, formatValue } from '../../src/components/chart/format';
import { indexTicks, niceStep } from '../../src/components/chart/ticks';

describe('decimateM4', () => {
  it('keeps short series whole', () => {
    expect(decimateM4([1, 2, 3], [3, 2, 1], (v) => v, 10)).toEqual([0, 1, 2]);
  });

  it('keeps first, lowest, highest and last point of every pixel column', () => {
    const n = 10_000;
    const x = Float64Array.from({ length: n }, (_, i) => i);
    const y = Float64Array.from(x, (i) => Math.sin(i / 7) + (i === 4321 ? 50 : 0));
    const keep = decimateM4(x, y, (v) => v / 100, 100);
    expect(keep.length).toBeLessThanOrEqual(400);
    expect(keep).toContain(4321);
    expect(keep[0]).toBe(0);
    expect(keep.at(-1)).toBe(n - 1);
    expect([...keep].sort((a, b) => a - b)).toEqual(keep);
  });
});

describe('axis ticks and formats', () => {
  it('picks 1-2-5 steps', () => {
    expect([niceStep(0.5), niceStep(3), niceStep(7), niceStep(19), niceStep(120)]).toEqual([
      1, 5, 10, 20, 200,
    ]);
    expect(indexTicks(512, 440, 44)).toEqual([0, 100, 200, 300, 400, 500]);
  });

  it('formats counts, values and percentages for the figures', () => {
    expect(formatCount(271_587_328)).toBe('272M');
    expect(formatCount(512)).toBe('512');
    expect(formatCount(1.5e9)).toBe('1.5B');
    expect(formatValue(-0.12345)).toBe('−0.123');
    expect(formatValue(0.00001234)).toBe('1.23e-5');
    expect(formatValue(Number.NaN)).toBe('NaN');
    expect(formatPercent(0.1246)).toBe('12.5%');
    expect(formatPercent(Number.NaN)).toBe('—');
  });
});
