import { color, interpolateViridis } from 'd3';

/** Colour of head or run `i`: the theme's Okabe–Ito categories (CSS variables, light and dark). */
export function categoryColor(i: number): string {
  return `var(--cat-${(i % 8) + 1})`;
}

/** The sequential scale of every heat map and grid (viridis: perceptually even, CVD-safe). */
export const sequential = interpolateViridis;

/** RGBA packed the way a Uint32Array view of ImageData reads it on this platform. */
export function packRgba(r: number, g: number, b: number, a = 255): number {
  const bytes = new Uint8ClampedArray([r, g, b, a]);
  return new Uint32Array(bytes.buffer)[0];
}

/** Parses any CSS colour (hex, rgb(), names) into packed RGBA; `fallback` when it cannot. */
export function packCssColor(css: string, fallback = packRgba(0, 0, 0)): number {
  const c = color(css)?.rgb();
  if (!c) return fallback;
  return packRgba(Math.round(c.r), Math.round(c.g), Math.round(c.b), Math.round(c.opacity * 255));
}

/** A 256-entry lookup table of packed colours sampled from `interpolate` over [0, 1]. */
export function colourLut(interpolate: (t: number) => string = sequential, size = 256): Uint32Array {
  const lut = new Uint32Array(size);
  for (let i = 0; i < size; i++) lut[i] = packCssColor(interpolate(i / (size - 1)));
  return lut;
}

/** Unpacks a packed colour into [r, g, b, a] (for tests and legends). */
export function unpackRgba(packed: number): [number, number, number, number] {
  const bytes = new Uint8ClampedArray(new Uint32Array([packed]).buffer);
  return [bytes[0], bytes[1], bytes[2], bytes[3]];
}
