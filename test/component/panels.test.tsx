import { useState } from 'react';
import { expect, test, vi } from 'vitest';
import { userEvent } from 'vitest/browser';
import { render } from 'vitest-browser-react';
import { ArchitectureDiagram } from '../../src/components/ArchitectureDiagram';
import { BudgetPanel } from '../../src/components/BudgetPanel';
import { CoverageStats } from '../../src/components/CoverageStats';
import { LossChart } from '../../src/components/LossChart';
import { SlotInspector } from '../../src/components/SlotInspector';
import { TokenPicker } from '../../src/components/TokenPicker';
import { compareBudgets, estimateModelParams } from '../../src/model/budget';
import { busiestSlot, coverageHistory, defaultEvaluation, lossRuns, slotContexts } from '../fixtures';
import '../../src/app/theme.css';

const num = (el: Element, attr: string) => Number(el.getAttribute(attr));

test('LossChart draws a line per run and series, reads out the nearest step, and switches to log y', async () => {
  const runs = lossRuns();
  const screen = await render(<LossChart runs={runs} />);
  expect(screen.container.querySelectorAll('.loss-line--train')).toHaveLength(3);
  expect(screen.container.querySelectorAll('.loss-line--val')).toHaveLength(3);
  // 2,000 training points are decimated to at most four per pixel column.
  const d = screen.container.querySelector('.loss-line--train path')!.getAttribute('d')!;
  const width = screen.container.querySelector('svg[role="img"]')!.getBoundingClientRect().width;
  expect(d.split(/[ML]/).length - 1).toBeLessThanOrEqual(4 * width);
  (screen.getByRole('application').element() as HTMLElement).focus();
  await userEvent.keyboard('{Home}');
  const first = runs.map((r) => r.train!.loss[0].toFixed(3).replace(/0+$/, ''));
  await expect
    .element(screen.getByRole('status'))
    .toHaveTextContent(`Step 1 · memory (product keys): train ${first[0]}`);
  await userEvent.click(screen.getByRole('checkbox', { name: 'Log y' }));
  await expect.element(screen.getByRole('img', { name: /log loss axis/ })).toBeInTheDocument();
});

test('LossChart labels whole steps only, even for a run of three steps', async () => {
  const screen = await render(
    <LossChart runs={[{ name: 'short', train: { steps: [1, 2, 3], loss: [3, 2.5, 2.2] } }]} />,
  );
  // The step axis is the one without grid lines.
  const ticks = screen.container.querySelectorAll('.pkm-axis:not(.pkm-axis--grid) .tick text');
  const steps = [...ticks].map((t) => t.textContent);
  expect(steps.length).toBeGreaterThan(1);
  expect(new Set(steps).size).toBe(steps.length);
  expect(steps.every((s) => Number.isInteger(Number(s)))).toBe(true);
});

test('CoverageStats shows the latest metrics and one sparkline per metric', async () => {
  const history = coverageHistory({ steps: 200, every: 50 });
  const last = history.at(-1)!;
  const screen = await render(<CoverageStats history={history} slots={1024} />);
  await expect
    .element(screen.getByRole('status', { name: 'Usage now' }))
    .toHaveTextContent(`${(last.usage * 100).toFixed(1)}%`);
  await expect
    .element(screen.getByRole('status', { name: 'Top-90% now' }))
    .toHaveTextContent(String(last.top90));
  const lines = screen.container.querySelectorAll('.pkm-sparkline__line');
  expect(lines).toHaveLength(6);
  // Five evaluations: each sparkline path has five points.
  expect(lines[0].getAttribute('d')!.split(/[ML]/).length - 1).toBe(5);
});

const pickerTokens = [...'ab c'];
function Picker() {
  const [v, setV] = useState<number | null>(1);
  return <TokenPicker tokens={pickerTokens} value={v} onChange={setV} />;
}

test('TokenPicker: arrows, Home/End and clicks pick tokens; the picked one is the active descendant', async () => {
  const screen = await render(<Picker />);
  const list = screen.getByRole('listbox', { name: 'Token picker' });
  (list.element() as HTMLElement).focus();
  await userEvent.keyboard('{ArrowRight}');
  await expect
    .element(screen.getByRole('option', { selected: true }))
    .toHaveAccessibleName('space, position 2');
  expect(list.element().getAttribute('aria-activedescendant')).toBe(
    screen.getByRole('option', { selected: true }).element().id,
  );
  await userEvent.keyboard('{End}');
  await expect.element(screen.getByRole('option', { selected: true })).toHaveAccessibleName('c, position 3');
  await userEvent.click(screen.getByRole('option', { name: 'a, position 0' }));
  await expect.element(screen.getByRole('option', { selected: true })).toHaveAccessibleName('a, position 0');
  expect(document.activeElement).toBe(list.element());
});

test('ArchitectureDiagram sizes each row bar by its parameters and marks the memory block', async () => {
  const memory = { d_model: 64, n_keys: 32, knn: 8, heads: 2, k_dim: 32, v_dim: 0 };
  const model = estimateModelParams(
    { vocab: 256, context: 32, d_model: 64, layers: 4, ffn_mult: 4, mem_layers: [1] },
    memory,
  );
  // Wide: the bars column (a phone-width figure shows the totals as numbers instead).
  const screen = await render(
    <div style={{ width: 900 }}>
      <ArchitectureDiagram {...model} />
    </div>,
  );
  const rows = [...screen.container.querySelectorAll('.architecture__row')];
  expect(rows.map((r) => r.getAttribute('data-kind'))).toEqual(['io', 'ffn', 'memory', 'ffn', 'ffn', 'io']);
  const bar = (i: number) => num(rows[i].querySelector('.architecture__bar')!, 'width');
  const total = (b: (typeof model.blocks)[number]) => b.attention + b.norms + b.ffn;
  expect(bar(2) / bar(1)).toBeCloseTo(total(model.blocks[1]) / total(model.blocks[0]), 4);
  expect(rows[2].querySelector('.architecture__bar--memory')).not.toBeNull();
});

test('BudgetPanel shows the budget module numbers and follows config changes', async () => {
  const cfg = { d_model: 64, n_keys: 32, knn: 8, heads: 2, k_dim: 32, v_dim: 0 };
  const screen = await render(<BudgetPanel {...cfg} />);
  const c = compareBudgets(cfg);
  const cellOf = (row: string, col: string) =>
    screen.container.querySelector(`tr[data-row="${row}"] td[data-col="${col}"]`)!;
  expect(cellOf('product', 'params').getAttribute('title')).toBe(
    c.product.params.total.toLocaleString('en-US'),
  );
  expect(cellOf('flat', 'macs').getAttribute('title')).toBe(c.flat.macs.total.toLocaleString('en-US'));
  expect(cellOf('dense', 'params').getAttribute('title')).toBe(c.dense.params.toLocaleString('en-US'));
  await screen.rerender(<BudgetPanel {...cfg} n_keys={64} />);
  expect(cellOf('flat', 'scores').textContent).toBe((2 * 64 * 64).toLocaleString('en-US'));
});

test('SlotInspector lists the contexts heaviest first with proportional bars', async () => {
  const ev = defaultEvaluation();
  const slot = busiestSlot(ev);
  const contexts = slotContexts(ev, slot, 5);
  const screen = await render(<SlotInspector slot={slot} n_keys={32} contexts={contexts} />);
  const items = [...screen.container.querySelectorAll('.slot-inspector__item')];
  expect(items).toHaveLength(5);
  expect(items[0].querySelector('mark')!.textContent).toBe(contexts[0].token);
  const widths = items.map((i) =>
    Number.parseFloat((i.querySelector('.slot-inspector__bar') as HTMLElement).style.width),
  );
  expect(widths[0]).toBe(100);
  expect(widths[4]).toBeCloseTo((contexts[4].weight / contexts[0].weight) * 100, 3);
});

test('TokenPicker onChange is not called for a key that does not move', async () => {
  const onChange = vi.fn();
  const screen = await render(<TokenPicker tokens={['x', 'y']} value={0} onChange={onChange} />);
  (screen.getByRole('listbox').element() as HTMLElement).focus();
  await userEvent.keyboard('{Home}{ArrowLeft}');
  expect(onChange).not.toHaveBeenCalled();
});
