import { describe, expect, it } from 'vitest';
import { colourLut, packRgba, unpackRgba } from '../../src/components/chart/palette';
import { heatPosition, heatStats, paintHeatmap } from '../../src/components/heatmap/paintHeatmap';
import { cellAt, cellCentre, clampView, revealCell, zoomAt } from '../../src/components/heatmap/view';

const lut = Uint32Array.from({ length: 256 }, (_, i) => packRgba(i, 0, 255 - i));
const dead = packRgba(1, 2, 3);

describe('paintHeatmap', () => {
  it('maps linear values through the LUT and zero, negative and NaN to the dead colour', () => {
    const values = [0, 10, 5, 2.5, -1, Number.NaN, Number.POSITIVE_INFINITY];
    const out = new Uint32Array(values.length);
    paintHeatmap(values, out, lut, { scale: 'linear', max: 10, minPositive: 2.5, dead });
    expect(Array.from(out, (p) => unpackRgba(p)[0])).toEqual([1, 255, 128, 64, 1, 1, 255]);
  });

  it('maps log values between the smallest positive value and the maximum', () => {
    const values = [1, 10, 100, 0];
    const out = new Uint32Array(4);
    paintHeatmap(values, out, lut, { scale: 'log', max: 100, minPositive: 1, dead });
    expect(Array.from(out, (p) => unpackRgba(p)[0])).toEqual([0, 128, 255, 1]);
    expect(heatPosition(10, { scale: 'log', max: 100, minPositive: 1 })).toBeCloseTo(0.5, 12);
  });

  it('paints a single positive value (max = min) in the top colour on either scale', () => {
    for (const scale of ['linear', 'log'] as const) {
      const out = new Uint32Array(2);
      paintHeatmap([0, 3], out, lut, { scale, max: 3, minPositive: 3, dead });
      expect(out[1]).toBe(lut[255]);
      expect(out[0]).toBe(dead);
    }
  });

  it('refuses an output buffer that is too small', () => {
    expect(() =>
      paintHeatmap([1, 2], new Uint32Array(1), lut, { scale: 'linear', max: 2, minPositive: 1, dead }),
    ).toThrow('paintHeatmap: out holds 1 pixels, need 2');
  });

  it('heatStats counts dead and non-finite slots in one pass', () => {
    expect(heatStats([0, 2, Number.NaN, 0.5, 0, Number.POSITIVE_INFINITY])).toEqual({
      max: 2,
      minPositive: 0.5,
      dead: 2,
      nonFinite: 2,
      total: 2.5,
    });
  });

  it('colourLut samples viridis from dark purple to yellow', () => {
    const l = colourLut();
    expect(unpackRgba(l[0])).toEqual([68, 1, 84, 255]);
    expect(unpackRgba(l[255])).toEqual([253, 231, 37, 255]);
  });
});

describe('heat map view', () => {
  const size = 512;
  it('zooms around a fixed point and clamps to the grid', () => {
    const v = zoomAt({ k: 1, x: 0, y: 0 }, 2, 100, 200, size, 8);
    expect(v).toEqual({ k: 2, x: -100, y: -200 });
    expect(cellAt(v, size, 512, 100, 200)).toEqual(cellAt({ k: 1, x: 0, y: 0 }, size, 512, 100, 200));
    expect(clampView({ k: 20, x: 50, y: -1e6 }, size, 8)).toEqual({ k: 8, x: 0, y: size - size * 8 });
    expect(zoomAt(v, 0.1, 0, 0, size, 8)).toEqual({ k: 1, x: 0, y: 0 });
  });

  it('finds cells and their centres, and reveals a cell by panning', () => {
    const v = { k: 4, x: -512, y: -256 };
    const c = cellCentre(v, size, 64, 10, 20);
    expect(cellAt(v, size, 64, c.x, c.y)).toEqual({ row: 10, col: 20 });
    expect(cellAt({ k: 1, x: 0, y: 0 }, size, 64, -1, 5)).toBeNull();
    const shown = revealCell(v, size, 64, 63, 63, 8);
    const corner = cellCentre(shown, size, 64, 63, 63);
    expect(corner.x).toBeLessThan(size);
    expect(corner.y).toBeLessThan(size);
    expect(shown.k).toBe(4);
  });
});
