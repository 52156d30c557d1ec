import { expect, test } from 'vitest';
import { userEvent } from 'vitest/browser';
import { render } from 'vitest-browser-react';
import { colourLut, packCssColor, sequential, unpackRgba } from '../../src/components/chart/palette';
import { cellCentre } from '../../src/components/heatmap/view';
import { UsageHeatmap } from '../../src/components/UsageHeatmap';
import { largeUsage } from '../fixtures';
import '../../src/app/theme.css';

/** The RGBA of the canvas pixel at the centre of cell (row, col) at identity zoom. */
function pixelAt(canvas: HTMLCanvasElement, n: number, row: number, col: number) {
  const size = canvas.getBoundingClientRect().width;
  const dpr = canvas.width / size;
  const { x, y } = cellCentre({ k: 1, x: 0, y: 0 }, size, n, row, col);
  return [...canvas.getContext('2d')!.getImageData(Math.floor(x * dpr), Math.floor(y * dpr), 1, 1).data];
}

const rgb = (css: string) => unpackRgba(packCssColor(css));

// A 4×4 grid: slot 0 dead, slot 15 the busiest, slot 5 at a quarter of the maximum.
const counts = new Float32Array(16).fill(2);
counts[0] = 0;
counts[15] = 8;
counts[5] = 2;

test('paints dead slots in the dead colour and the busiest slot in the top colour', async () => {
  const screen = await render(<UsageHeatmap n_keys={4} series={[{ label: 'Head 1', counts }]} />);
  const canvas = screen.container.querySelector('canvas')!;
  const dead = getComputedStyle(canvas).getPropertyValue('--heat-dead').trim();
  expect(pixelAt(canvas, 4, 0, 0)).toEqual(rgb(dead));
  expect(pixelAt(canvas, 4, 3, 3)).toEqual(rgb(sequential(1)));
  // Linear: 2/8 of the maximum sits a quarter up the scale (LUT index round(0.25·255) = 64).
  expect(pixelAt(canvas, 4, 1, 1)).toEqual(unpackRgba(colourLut()[64]));
  await expect
    .element(screen.getByRole('img', { name: /4×4 slots, 93\.8% used, 1 dead/ }))
    .toBeInTheDocument();
});

test('the log scale puts the smallest positive count at the bottom colour', async () => {
  const screen = await render(
    <UsageHeatmap n_keys={4} series={[{ label: 'Head 1', counts }]} defaultScale="log" />,
  );
  const canvas = screen.container.querySelector('canvas')!;
  expect(pixelAt(canvas, 4, 1, 1)).toEqual(rgb(sequential(0)));
  expect(pixelAt(canvas, 4, 3, 3)).toEqual(rgb(sequential(1)));
});

test('new usage repaints the same canvas element', async () => {
  const screen = await render(<UsageHeatmap n_keys={4} series={[{ label: 'Head 1', counts }]} />);
  const canvas = screen.container.querySelector('canvas')!;
  const next = Float32Array.from(counts);
  next[0] = 8;
  await screen.rerender(<UsageHeatmap n_keys={4} series={[{ label: 'Head 1', counts: next }]} />);
  expect(screen.container.querySelector('canvas')).toBe(canvas);
  expect(pixelAt(canvas, 4, 0, 0)).toEqual(rgb(sequential(1)));
});

test('hover reads out slot id, position, count and weight share', async () => {
  const weights = new Float32Array(16);
  weights[6] = 3;
  weights[15] = 1;
  const screen = await render(<UsageHeatmap n_keys={4} series={[{ label: 'Head 1', counts, weights }]} />);
  const canvas = screen.container.querySelector('canvas')!;
  const box = canvas.getBoundingClientRect();
  const { x, y } = cellCentre({ k: 1, x: 0, y: 0 }, box.width, 4, 1, 2);
  canvas.dispatchEvent(
    new PointerEvent('pointermove', { clientX: box.left + x, clientY: box.top + y, bubbles: true }),
  );
  await expect
    .element(screen.getByText(/^Slot 6 = \(1, 2\) · count 2 · weight share 75\.000%/))
    .toBeInTheDocument();
});

test('keyboard: arrows move the cursor, + zooms, 0 resets; the view follows the cursor', async () => {
  const big = largeUsage(64, 300, 4);
  const screen = await render(<UsageHeatmap n_keys={64} series={[{ label: 'All', ...big.all }]} />);
  const plot = screen.getByRole('application');
  await plot.click();
  await userEvent.keyboard('+');
  await expect.element(screen.getByText('2.0×')).toBeInTheDocument();
  await userEvent.keyboard('{End}');
  await expect.element(screen.getByText(/^Slot 4,095 = \(63, 63\)/)).toBeInTheDocument();
  // Zoomed 2× with the last cell in view: the view's bottom-right cell is the cursor's.
  const canvas = screen.container.querySelector('canvas')!;
  const size = canvas.getBoundingClientRect().width;
  const corner = canvas.getContext('2d')!.getImageData(canvas.width - 1, canvas.height - 1, 1, 1).data;
  expect([...corner]).toEqual(rgb(getComputedStyle(canvas).getPropertyValue('--focus').trim()));
  await userEvent.keyboard('0');
  await expect.element(screen.getByText('1.0×')).toBeInTheDocument();
  expect(size).toBeGreaterThan(0);
});

test('all-zero usage draws every slot dead and says so', async () => {
  const screen = await render(
    <UsageHeatmap n_keys={8} series={[{ label: 'Start', counts: new Float32Array(64) }]} />,
  );
  const canvas = screen.container.querySelector('canvas')!;
  const dead = rgb(getComputedStyle(canvas).getPropertyValue('--heat-dead').trim());
  expect(pixelAt(canvas, 8, 3, 5)).toEqual(dead);
  await expect.element(screen.getByText(/no slot selected yet/)).toBeInTheDocument();
});
