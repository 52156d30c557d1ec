import { afterEach, beforeEach, expect, test } from 'vitest';
import { userEvent } from 'vitest/browser';
import { cleanup, render } from 'vitest-browser-react';
import { RecallPanel } from '../../src/app/figures/RecallPanel';
import { RunNumbers } from '../../src/app/figures/RunNumbers';
import { RecallChart } from '../../src/components/RecallChart';
import { useConfigStore } from '../../src/state/configStore';
import { emptyRunData } from '../../src/state/runData';
import { useRunDataStore } from '../../src/state/runDataStore';
import '../../src/app/theme.css';

const num = (el: Element, attr: string) => Number(el.getAttribute(attr));
const points = [
  { step: 250, accuracy: 0.04, answerLoss: 2.9 },
  { step: 500, accuracy: 0.3, answerLoss: 1.7 },
  { step: 750, accuracy: 0.8, answerLoss: 0.4 },
];

beforeEach(() => {
  useConfigStore.getState().loadHash('');
  useRunDataStore.getState().clear();
});
afterEach(() => cleanup());

test('draws a dot per measurement on a 0–100% axis, the chance line, and reads each point out', async () => {
  const screen = await render(<RecallChart points={points} chance={0.052} height={170} />);
  const dots = [...screen.container.querySelectorAll('.recall-line circle')];
  expect(dots.map((d) => num(d, 'data-step'))).toEqual([250, 500, 750]);
  // Left to right by step, higher up (smaller y) as recall rises.
  const cx = dots.map((d) => num(d, 'cx'));
  const cy = dots.map((d) => num(d, 'cy'));
  expect(cx[0]).toBeLessThan(cx[1]);
  expect(cx[1]).toBeLessThan(cx[2]);
  expect(cy[0]).toBeGreaterThan(cy[1]);
  expect(cy[1]).toBeGreaterThan(cy[2]);
  // y is linear from 0% at the bottom (y = plot height) to 100% at the top (y = 0).
  const plotHeight = (cy[0] - cy[2]) / (0.8 - 0.04);
  expect(cy[1]).toBeCloseTo(plotHeight * (1 - 0.3), 1);
  const ticks = [...screen.container.querySelectorAll('.pkm-axis--grid .tick text')].map(
    (t) => t.textContent,
  );
  expect(ticks[0]).toBe('0%');
  expect(ticks.at(-1)).toBe('100%');
  // The chance line sits at 5.2%, dashed, with its value in the legend.
  const chance = screen.container.querySelector('line.recall-chart__chance[data-chance]')!;
  expect(num(chance, 'y1')).toBeCloseTo(plotHeight * (1 - 0.052), 1);
  expect(getComputedStyle(chance).strokeDasharray).not.toBe('none');
  await expect.element(screen.getByRole('list', { name: 'Series' })).toHaveTextContent('chance 5.2%');
  await expect
    .element(screen.getByRole('img', { name: /3 measurements, steps 250–750, latest 80\.0% at step 750/ }))
    .toBeInTheDocument();
  (screen.getByRole('application').element() as HTMLElement).focus();
  await userEvent.keyboard('{End}');
  await expect
    .element(screen.getByRole('status'))
    .toHaveTextContent('Step 750 · 80.0% of facts recalled · answer loss 0.4');
  await userEvent.keyboard('{ArrowLeft}');
  await expect.element(screen.getByRole('status')).toHaveTextContent(/^Step 500 · 30\.0%/);
});

test('before the first measurement it says when recall comes, under its label', async () => {
  const screen = await render(
    <RecallChart points={[]} chance={0.05} emptyMessage="Recall is measured every 250 steps." />,
  );
  await expect.element(screen.getByText('Recall is measured every 250 steps.')).toBeInTheDocument();
  await expect.element(screen.getByText('Fact recall (held-out wording)')).toBeInTheDocument();
  expect(screen.container.querySelector('[data-state="empty"]')).not.toBeNull();
  expect(screen.container.querySelector('svg[role="img"]')).toBeNull();
});

test('values that are no fraction are not drawn, and say how many', async () => {
  const some = await render(<RecallChart points={[...points, { step: 1000, accuracy: Number.NaN }]} />);
  expect(some.container.querySelectorAll('.recall-line circle')).toHaveLength(3);
  await expect
    .element(some.getByText(/1 values outside 0–100% \(or NaN\) are not drawn/))
    .toBeInTheDocument();
});

test('all-invalid data says so instead of drawing', async () => {
  const none = await render(<RecallChart points={[{ step: 5, accuracy: 2 }]} />);
  expect(none.container.querySelector('[data-state="invalid"]')).not.toBeNull();
});

test('the app panel says when recall comes before the first measurement', async () => {
  const empty = await render(<RecallPanel />);
  await expect
    .element(empty.getByText('Recall is measured every 250 steps while training.'))
    .toBeInTheDocument();
});

test('the app panel shows the run’s recall on the loss chart’s steps; the run numbers its latest with its step', async () => {
  useRunDataStore.getState().replace({
    ...emptyRunData('live'),
    step: 1000,
    losses: { steps: Float64Array.of(1, 1000), loss: Float32Array.of(5, 1), length: 2 },
    recall: points,
  });
  const screen = await render(
    <div style={{ width: 358 }}>
      <RecallPanel />
      <RunNumbers />
    </div>,
  );
  // The axis runs to the run's step (1,000), as the loss chart's does.
  await expect
    .element(
      screen.getByRole('img', { name: /Fact recall chart, live model: 3 measurements, steps 1–1,000/ }),
    )
    .toBeInTheDocument();
  await expect.element(screen.getByText('Fact recall · step 750')).toBeInTheDocument();
  await expect.element(screen.getByText('80.0%')).toBeInTheDocument();
  // 390 px phones: nothing sticks out of the figure.
  const figure = screen.container.querySelector('figure')!;
  expect(figure.scrollWidth).toBeLessThanOrEqual(figure.clientWidth + 1);
});
