import { expect, test, vi } from 'vitest';
import { userEvent } from 'vitest/browser';
import { render } from 'vitest-browser-react';
import { CandidateGrid } from '../../src/components/CandidateGrid';
import { sequential } from '../../src/components/chart/palette';
import { candidateGridProps, productKeyMapProps } from '../../src/components/fromTrace';
import { ProductKeyMap } from '../../src/components/ProductKeyMap';
import { QueryHalves } from '../../src/components/QueryHalves';
import { SubKeyScores } from '../../src/components/SubKeyScores';
import { lookupTrace } from '../fixtures';
import '../../src/app/theme.css';

const trace = lookupTrace({}, 8);
const head = trace.heads[0];
const num = (el: Element, attr: string) => Number(el.getAttribute(attr));

test('QueryHalves draws every dim of both halves, raw and normalised, scaled to the row maximum', async () => {
  const screen = await render(<QueryHalves heads={trace.heads} normLabel="batchnorm" />);
  await expect.element(screen.getByRole('figure', { name: /^Query halves/ })).toBeInTheDocument();
  const bars = [...screen.container.querySelectorAll('.query-halves__bar')];
  expect(bars).toHaveLength(2 * 2 * 16);
  expect(screen.container.querySelectorAll('.query-halves__bar--half1')).toHaveLength(2 * 2 * 8);
  // In each row the largest |value| fills the half-row (ROW_H / 2 − 2 = 18 px).
  const rows = screen.container.querySelectorAll('.query-halves__row');
  expect(rows).toHaveLength(4);
  for (const row of rows) {
    const heights = [...row.querySelectorAll('.query-halves__bar')].map((b) => num(b, 'height'));
    expect(Math.max(...heights)).toBeCloseTo(18, 5);
  }
  // Bars of half 2 are right of every bar of half 1.
  const firstRow = [...rows[0].querySelectorAll('.query-halves__bar')];
  const maxX1 = Math.max(...firstRow.slice(0, 8).map((b) => num(b, 'x')));
  expect(Math.min(...firstRow.slice(8).map((b) => num(b, 'x')))).toBeGreaterThan(maxX1);
});

test('SubKeyScores highlights exactly the top-k and puts the cut-off at the k-th score', async () => {
  const screen = await render(<SubKeyScores scores={head.subScores[0]} selected={head.subTop![0].indices} />);
  const bars = [...screen.container.querySelectorAll('.subkey-bar')];
  const selected = bars.filter((b) => b.classList.contains('subkey-bar--selected'));
  expect(selected).toHaveLength(8);
  expect(selected.map((b) => num(b, 'data-key')).sort((a, b) => a - b)).toEqual(
    [...head.subTop![0].indices].sort((a, b) => a - b),
  );
  // Sorted: heights fall off left to right among positive scores; the cut-off line sits on the k-th bar's top.
  const kth = selected[7];
  const cut = screen.container.querySelector('.subkey-cutoff line')!;
  expect(head.subTop![0].scores[7]).toBeGreaterThan(0);
  expect(num(cut, 'y1')).toBeCloseTo(num(kth, 'y'), 5);
  expect(Number(screen.container.querySelector('.subkey-cutoff')!.getAttribute('data-value'))).toBeCloseTo(
    head.subTop![0].scores[7],
    5,
  );
  // Key order: bars by key index, left to right.
  await userEvent.click(screen.getByRole('radio', { name: 'Key order' }));
  const keyed = [...screen.container.querySelectorAll('.subkey-bar')];
  expect(keyed.map((b) => num(b, 'data-key'))).toEqual(Array.from({ length: 32 }, (_, i) => i));
  expect(keyed.map((b) => num(b, 'x'))).toEqual([...keyed.map((b) => num(b, 'x'))].sort((a, b) => a - b));
});

test('CandidateGrid marks the final top-k at their ranks, colours by a_i + b_j and shows the weights', async () => {
  const props = candidateGridProps(trace, 0)!;
  const screen = await render(<CandidateGrid {...props} />);
  const marked = [...screen.container.querySelectorAll('.candidate-selected')];
  expect(marked).toHaveLength(8);
  marked.forEach((m, i) => {
    expect(num(m, 'data-row')).toBe(head.candidateRank!.row[i]);
    expect(num(m, 'data-col')).toBe(head.candidateRank!.col[i]);
  });
  // The best sum (a1 + b1) has the top colour, the worst (ak + bk) the bottom one.
  const cell = (r: number, c: number) =>
    screen.container.querySelector(`.candidate-cell[data-row="${r}"][data-col="${c}"]`)!.getAttribute('fill');
  expect(cell(0, 0)).toBe(sequential(1));
  expect(cell(7, 7)).toBe(sequential(0));
  const shown = marked.map((m) => Number(`0${m.textContent}`));
  expect(shown.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 2);
  // Focus without a pointer (a click would also hover a cell and move the cursor there).
  (screen.getByRole('application').element() as HTMLElement).focus();
  await userEvent.keyboard('{ArrowDown}{ArrowRight}');
  const slot = head.subTop![0].indices[0] * 32 + head.subTop![1].indices[1];
  await expect.element(screen.getByRole('status')).toHaveTextContent(`slot ${slot}`);
});

test('ProductKeyMap places each selected slot at (row i, column j) and bands the sub-key selections', async () => {
  const onSelectSlot = vi.fn();
  const screen = await render(<ProductKeyMap {...productKeyMapProps(trace)} onSelectSlot={onSelectSlot} />);
  const size = num(screen.container.querySelector('.product-key-map__grid')!, 'width');
  const cell = size / 32;
  const markers = [...screen.container.querySelectorAll('.pkm-map-slot')];
  expect(markers).toHaveLength(16);
  markers.slice(0, 8).forEach((m, rank) => {
    expect(num(m, 'cx')).toBeCloseTo((head.cols[rank] + 0.5) * cell, 6);
    expect(num(m, 'cy')).toBeCloseTo((head.rows[rank] + 0.5) * cell, 6);
    expect(num(m, 'data-slot')).toBe(head.slots[rank]);
  });
  const rows = [
    ...screen.container.querySelectorAll('.product-key-map__bands')[0].querySelectorAll('.pkm-map-row'),
  ];
  expect(rows.map((r) => num(r, 'data-row'))).toEqual([...head.subTop![0].indices]);
  // The heaviest slot of a head has the largest marker.
  const radii = markers.slice(0, 8).map((m) => num(m, 'r'));
  expect(Math.max(...radii)).toBe(radii[0]);
  // Hovering a marker reads it out; clicking inspects it.
  const svg = screen.container.querySelector('svg[role="img"]')!;
  const box = svg.getBoundingClientRect();
  // The grid's origin is at the figure's margins (left 52, top 38).
  const x = box.left + 52 + (head.cols[0] + 0.5) * cell;
  const y = box.top + 38 + (head.rows[0] + 0.5) * cell;
  const target = screen.getByRole('application').element();
  svg.dispatchEvent(new PointerEvent('pointermove', { clientX: x, clientY: y, bubbles: true }));
  await expect
    .element(screen.getByRole('status'))
    .toHaveTextContent(`Slot ${head.slots[0]} = (${head.rows[0]}, ${head.cols[0]}) · head 1 rank 1`);
  target.dispatchEvent(new MouseEvent('click', { clientX: x, clientY: y, bubbles: true }));
  expect(onSelectSlot).toHaveBeenCalledWith(head.slots[0]);
});
