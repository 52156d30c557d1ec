import { afterEach, expect, test } from 'vitest';
import { cleanup, render } from 'vitest-browser-react';
import { CapacityCurve, type CapacitySeries } from '../../src/components/CapacityCurve';
import '../../src/app/theme.css';

afterEach(() => {
  cleanup();
  delete document.documentElement.dataset.theme;
});

const A: CapacitySeries = {
  label: 'no memory',
  points: [
    { facts: 900, recall: [0.1, null] },
    { facts: 100, recall: [0.4, 0.6] },
    { facts: 300, recall: [0.2, 0.2] },
  ],
};
const B: CapacitySeries = {
  label: '64² slots',
  points: [
    { facts: 100, recall: [0.9, 1] },
    { facts: 300, recall: [0.8, 0.7] },
    { facts: 900, recall: [0.5, 0.3] },
  ],
};

const near = (v: number) => expect.closeTo(v, 6);

const translate = (el: Element) => {
  const m = /translate\(([-\d.e]+),\s*([-\d.e]+)\)/.exec(el.getAttribute('transform') ?? '');
  return { x: Number(m?.[1]), y: Number(m?.[2]) };
};

/** The plot's y of a recall value, read off the 0% and 100% ticks of the drawn axis. */
function yScale(root: HTMLElement) {
  const tick = (text: string) =>
    translate([...root.querySelectorAll('.tick')].find((t) => t.textContent === text)!).y;
  // d3 moves its ticks half a pixel (at device pixel ratio 1) for crisp lines.
  const offset = window.devicePixelRatio > 1 ? 0 : 0.5;
  const [y0, y1] = [tick('0%') - offset, tick('100%') - offset];
  return (v: number) => y0 + v * (y1 - y0);
}

function markers(root: HTMLElement, series: string) {
  return [...root.querySelectorAll(`[data-series="${series}"] .capacity-curve__mean`)].map(translate);
}

async function draw(series: CapacitySeries[], chance?: number) {
  return render(
    <div style={{ width: 520 }}>
      <CapacityCurve series={series} chance={chance} seeds={[1, 2]} height={240} label="test" />
    </div>,
  );
}

test('means sit at their recall, seeds as dots around them, chance at its level; facts evenly on a log axis', async () => {
  const screen = await draw([A], 0.25);
  const root = screen.container as HTMLElement;
  const y = yScale(root);
  const means = markers(root, 'no memory');
  // Points are drawn in fact order whatever order they come in; 900 facts has one seed.
  expect(means.map((m) => m.y)).toEqual([y(0.5), y(0.2), y(0.1)].map(near));
  expect(means[1].x - means[0].x).toBeCloseTo(means[2].x - means[1].x, 6);
  expect(means[1].x).toBeGreaterThan(means[0].x);
  const dots = [...root.querySelectorAll('.capacity-curve__seed')].map((c) => Number(c.getAttribute('cy')));
  expect(dots).toEqual([0.4, 0.6, 0.2, 0.2, 0.1].map((v) => near(y(v))));
  const chance = root.querySelector('svg[role="img"] .capacity-curve__chance')!;
  expect(Number(chance.getAttribute('y1'))).toEqual(near(y(0.25)));
  await expect.element(screen.getByRole('list', { name: 'Memory sizes' })).toHaveTextContent('chance 25.0%');
  await expect.element(screen.getByText(/^1 seed value is missing/)).toBeInTheDocument();
  // The x labels are the fact counts.
  expect([...root.querySelectorAll('.pkm-axis text')].map((t) => t.textContent)).toEqual(
    expect.arrayContaining(['100', '300', '900']),
  );
});

test('two series at one fact count sit side by side around it, not on top of each other', async () => {
  const screen = await draw([A, B]);
  const root = screen.container as HTMLElement;
  const [a, b] = [markers(root, 'no memory'), markers(root, '64² slots')];
  for (let i = 0; i < 3; i++) {
    expect(b[i].x - a[i].x).toBeCloseTo(6, 6);
  }
  expect(root.querySelector('svg[role="img"] .capacity-curve__chance')).toBeNull();
  expect([...root.querySelectorAll('[data-series]')].map((g) => g.getAttribute('data-series'))).toEqual([
    'no memory',
    '64² slots',
  ]);
});

test('the data table lists the means and each seed; the svg has a title and description', async () => {
  const screen = await draw([A, B], 0.05);
  await screen.getByText('Data table', { exact: true }).click();
  const table = screen.getByRole('table', { name: 'Capacity curve, test: values' });
  await expect
    .element(table.getByRole('row', { name: /^no memory/ }))
    .toHaveTextContent(/50\.0%40\.0%, 60\.0%20\.0%20\.0%, 20\.0%10\.0%10\.0%, –/);
  await expect.element(table.getByRole('row', { name: /^64² slots/ })).toHaveTextContent('95.0%');
  const img = screen.getByRole('img', { name: 'Capacity curve, test' });
  await expect
    .element(img)
    .toHaveAccessibleDescription(/100, 300, 900 facts stored.*no memory, 64² slots.*5\.0%/);
});

test('the series colours follow the theme', async () => {
  const screen = await draw([A, B]);
  const line = screen.container.querySelector('.capacity-curve__line')!;
  const light = getComputedStyle(line).stroke;
  document.documentElement.dataset.theme = 'dark';
  const dark = getComputedStyle(line).stroke;
  expect(light).toBe('rgb(0, 114, 178)');
  expect(dark).toBe('rgb(86, 180, 233)');
});

test('fits a 358 px column (a 390 px phone less the page padding)', async () => {
  const screen = await render(
    <div style={{ width: 358 }}>
      <CapacityCurve series={[A, B]} chance={0.05} />
    </div>,
  );
  const figure = screen.container.querySelector('figure')!;
  expect(figure.scrollWidth).toBeLessThanOrEqual(358);
  expect(figure.querySelector('svg[role="img"]')!.getBoundingClientRect().width).toBeLessThanOrEqual(358);
});

test('recall outside 0–1 (a percentage passed by mistake) is said, not drawn', async () => {
  const screen = await draw([{ label: 'x', points: [{ facts: 100, recall: [52] }] }]);
  await expect.element(screen.getByText(/recall 52 is not a fraction from 0 to 1/)).toBeInTheDocument();
  expect(screen.container.querySelector('svg')).toBeNull();
});

test('a fact count that is not positive is said, not drawn', async () => {
  const screen = await draw([{ label: 'x', points: [{ facts: 0, recall: [0.5] }] }]);
  await expect.element(screen.getByText(/x: 0 is not a number of facts/)).toBeInTheDocument();
});

test('no value at all: an empty state', async () => {
  const screen = await draw([{ label: 'x', points: [{ facts: 100, recall: [null, Number.NaN] }] }]);
  await expect.element(screen.getByText('No fact recall measured yet.')).toBeInTheDocument();
});
