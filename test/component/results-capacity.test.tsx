/**
 * The capacity experiment's section of the Results page, from a real result file of its quick
 * preset (test/fixtures/data/capacity-quick): the curve above the table, and "Open in lab" that
 * says when the lab's default corpus is not the one a row trained on.
 */
import { afterEach, beforeEach, expect, test } from 'vitest';
import { cleanup, render } from 'vitest-browser-react';
import { ExperimentSection } from '../../src/app/results/ExperimentSection';
import { ResultsView } from '../../src/app/results/ResultsPage';
import type { ResultEntry } from '../../src/app/results/resultEntries';
import { DEFAULT_CONFIG } from '../../src/model/config';
import { resolveKnowledge } from '../../src/model/corpus/knowledge';
import { EXPERIMENT_NAMES } from '../../src/model/experiments/definitions';
import { factCount } from '../../src/model/experiments/resultCorpus';
import { parseExperimentResult } from '../../src/model/experiments/results';
import type { ExperimentResult } from '../../src/model/experiments/types';
import { useConfigStore } from '../../src/state/configStore';
import { hashForState } from '../../src/state/hashSync';
import { useUiStore } from '../../src/state/uiStore';
import quickJson from '../fixtures/data/capacity-quick/result.json';
import '../../src/app/theme.css';
import '../../src/app/app.css';

const SOURCE = 'test/fixtures/data/capacity-quick/result.json';
const quick = parseExperimentResult(quickJson, SOURCE);
const entry = (result: ExperimentResult): ResultEntry => ({
  status: 'ok',
  name: result.experiment,
  source: SOURCE,
  result,
});

beforeEach(() => {
  useConfigStore.getState().loadHash('');
  useUiStore.getState().setPage('results');
});
afterEach(() => cleanup());

test('the capacity section draws the curve above its table: a line per memory size, a dot per seed', async () => {
  const screen = await render(<ExperimentSection entry={entry(quick)} />);
  const figure = screen.getByRole('figure', { name: 'Capacity curve, capacity fact recall' });
  await expect.element(figure).toBeInTheDocument();
  const section = screen.container.querySelector('section[data-experiment="capacity"]')!;
  const curve = section.querySelector('.capacity-curve')!;
  const table = section.querySelector('table.results-table')!;
  expect(curve.compareDocumentPosition(table) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
  expect([...curve.querySelectorAll('[data-series]')].map((g) => g.getAttribute('data-series'))).toEqual([
    'no memory',
    '16² slots',
    '64² slots',
    '256² slots',
  ]);
  // The quick preset's corpora: 8, 24 and 72 people × 5 attributes.
  expect([...curve.querySelectorAll('.pkm-axis text')].map((t) => t.textContent)).toEqual(
    expect.arrayContaining(['40', '120', '360']),
  );
  // 12 arms × 2 seeds, every one measured (0% at 200 steps is a value, not a gap).
  expect(curve.querySelectorAll('.capacity-curve__seed')).toHaveLength(24);
  await expect.element(figure.getByRole('list', { name: 'Memory sizes' })).toHaveTextContent('chance 5.2%');
});

test('the curve shows the result’s own numbers, per seed', async () => {
  // The quick run recalls nothing; give two runs known values.
  const result: ExperimentResult = structuredClone(quick);
  const arm = result.arms.find((a) => a.label === '256² slots · 120 facts')!;
  arm.runs.find((r) => r.seed === 1)!.final.recall!.factAccuracy = 0.6;
  arm.runs.find((r) => r.seed === 2)!.final.recall!.factAccuracy = 0.8;
  const screen = await render(<ExperimentSection entry={entry(result)} />);
  await screen.getByText('Data table', { exact: true }).click();
  const row = screen.getByRole('table', { name: /capacity fact recall: values/ }).getByRole('row', {
    name: /^256² slots/,
  });
  await expect.element(row).toHaveTextContent(/0\.0%0\.0%, 0\.0%70\.0%60\.0%, 80\.0%0\.0%0\.0%, 0\.0%/);
});

test('Open in lab on a corpus other than the lab’s says so, and still carries the whole config', async () => {
  useConfigStore.getState().update({ backend: 'wasm' });
  const facts = factCount(resolveKnowledge()).toLocaleString('en');
  const screen = await render(<ExperimentSection entry={entry(quick)} />);
  const buttons = screen.getByRole('table', { name: 'capacity: configs' }).getByRole('button');
  // The quick corpora (40–360 facts, 20 repeats) are never the default one.
  expect(buttons.elements()).toHaveLength(quick.arms.length);
  for (const b of buttons.elements()) {
    expect(b.textContent).toBe(`Open in lab · default ${facts}-fact corpus`);
    expect(b.getAttribute('title')).toMatch(
      /This row trained on \d+ facts \(\d+ people × 5 attributes, each stated 20 times in 5 of 6 wordings\), so the lab will not reproduce its numbers/,
    );
  }
  const arm = quick.arms.find((a) => a.label === 'no memory · 40 facts')!;
  await screen
    .getByRole('button', {
      name: `Open no memory · 40 facts in the lab · trains on the default ${facts}-fact corpus`,
    })
    .click();
  expect(useUiStore.getState().page).toBe('lab');
  expect(useConfigStore.getState().config).toEqual({
    ...DEFAULT_CONFIG,
    ...arm.config,
    backend: 'wasm',
  });
  const hash = hashForState();
  // The experiment's narrow feed-forward (1×), over the quick preset's 2× and the default 4×.
  expect(hash).toContain('ffn_mult=1&');
  expect(hash).toContain('mem_layers=&');
  expect(hash).toContain('d_model=32&');
});

test('only capacity has the curve; while capacity.json is missing its card says how to run it', async () => {
  const screen = await render(
    <ResultsView
      results={{
        entries: EXPERIMENT_NAMES.map((name): ResultEntry => ({ status: 'missing', name })),
        strays: [],
      }}
      readings={{}}
    />,
  );
  const section = screen.container.querySelector('section[data-experiment="capacity"]')!;
  await expect.element(screen.getByText('npm run -s pkm -- experiment capacity')).toBeInTheDocument();
  expect(section.textContent).toContain('Not run yet');
  expect(screen.container.querySelector('.capacity-curve')).toBeNull();
});
