import { afterEach, beforeEach, expect, test } from 'vitest';
import { cleanup, render } from 'vitest-browser-react';
import { sameKnowledge } from '../../src/app/results/armCorpus';
import { COMMITTED_RESULTS } from '../../src/app/results/committedResults';
import { ResultsPage, ResultsView } from '../../src/app/results/ResultsPage';
import { READINGS } from '../../src/app/results/readings';
import type { CommittedResults, ResultEntry } from '../../src/app/results/resultEntries';
import { DEFAULT_CONFIG } from '../../src/model/config';
import { resolveKnowledge } from '../../src/model/corpus/knowledge';
import { EXPERIMENT_NAMES } from '../../src/model/experiments/definitions';
import { armKnowledge, factCount } from '../../src/model/experiments/resultCorpus';
import type { ExperimentResult } from '../../src/model/experiments/types';
import { useConfigStore } from '../../src/state/configStore';
import { useUiStore } from '../../src/state/uiStore';
import '../../src/app/theme.css';
import '../../src/app/app.css';

const ok = COMMITTED_RESULTS.entries.filter(
  (e): e is Extract<ResultEntry, { status: 'ok' }> => e.status === 'ok',
);

beforeEach(() => {
  useConfigStore.getState().loadHash('');
  useUiStore.getState().setPage('results');
});
afterEach(() => cleanup());

test('the committed results: every experiment in the canonical order, tables for those that ran', async () => {
  expect(ok.length).toBeGreaterThan(0);
  const screen = await render(<ResultsPage />);
  await expect.element(screen.getByRole('heading', { name: 'Results', level: 1 })).toBeInTheDocument();
  const order = [...document.querySelectorAll<HTMLElement>('section[data-experiment]')].map(
    (s) => s.dataset.experiment,
  );
  expect(order).toEqual(EXPERIMENT_NAMES);
  for (const { result } of ok) {
    const table = screen.getByRole('table', { name: `${result.experiment}: configs` });
    await expect.element(table).toBeInTheDocument();
    for (const arm of result.arms) {
      await expect
        .element(table.getByRole('rowheader', { name: arm.label, exact: true }))
        .toBeInTheDocument();
    }
    await expect.element(table).toHaveTextContent(result.arms[0].summary.loss.toFixed(4));
    const claims = screen.getByRole('list', { name: `${result.experiment}: claims` });
    await expect.element(claims).toHaveTextContent(result.claims[0].statement);
    await expect
      .element(screen.getByRole('figure', { name: `Loss chart, ${result.experiment} validation loss` }))
      .toBeInTheDocument();
    const section = document.querySelector(`section[data-experiment="${result.experiment}"]`)!;
    expect(section.querySelectorAll('.loss-line--val').length).toBe(result.arms.length);
    expect(section.textContent).toContain(`mode ${result.mode}`);
    expect(section.textContent).toContain(READINGS[result.experiment]![0].slice(0, 60));
  }
  // The summary counts each experiment's verdicts; missing ones say so and give the command.
  const summary = screen.getByRole('table', { name: 'Experiments' });
  for (const e of COMMITTED_RESULTS.entries) {
    const row = summary.getByRole('row').filter({ hasText: e.name });
    if (e.status === 'missing') {
      await expect.element(row).toHaveTextContent('not run yet');
      const section = document.querySelector(`section[data-experiment="${e.name}"]`)!;
      expect(section.textContent).toContain(`npm run -s pkm -- experiment ${e.name}`);
      expect(section.querySelector('table')).toBeNull();
      expect(section.querySelector('.results-reading')).toBeNull();
    } else if (e.status === 'ok') {
      await expect.element(row).toHaveTextContent(/\d+ agrees?|\d+ disagrees?|\d+ undecided/);
    }
  }
});

test('a malformed file shows an error card for its experiment; the others still render', async () => {
  const [good, ...rest] = ok;
  const results: CommittedResults = {
    entries: EXPERIMENT_NAMES.map((name): ResultEntry => {
      if (name === good.name) return good;
      if (name === rest[0]?.name || (!rest[0] && name === 'position'))
        return {
          status: 'error',
          name,
          source: `experiments/results/${name}.json`,
          message: `experiments/results/${name}.json is not an experiment result: it has no arms`,
        };
      return { status: 'missing', name };
    }),
    strays: [
      { source: 'experiments/results/x.json', message: 'experiments/results/x.json names no experiment' },
    ],
  };
  const screen = await render(<ResultsView results={results} readings={{}} />);
  const alerts = screen.getByRole('alert');
  await expect.element(alerts.first()).toHaveTextContent(/could not be read.*it has no arms/);
  await expect.element(alerts.last()).toHaveTextContent('x.json names no experiment');
  await expect.element(screen.getByRole('table', { name: `${good.name}: configs` })).toBeInTheDocument();
  await expect
    .element(screen.getByRole('table', { name: 'Experiments' }))
    .toHaveTextContent('file unreadable');
  // Without a reading, a section shows none.
  expect(document.querySelector('.results-reading')).toBeNull();
});

test('Open in lab sets the lab config to the arm’s (keeping the backend choice) and opens the lab', async () => {
  useConfigStore.getState().update({ backend: 'wasm' });
  const { result } = ok[ok.length - 1];
  const arm: ExperimentResult['arms'][number] = result.arms[result.arms.length - 1];
  const screen = await render(<ResultsPage />);
  await screen
    .getByRole('button', { name: `Open ${arm.label} in the lab` })
    .first()
    .click();
  expect(useUiStore.getState().page).toBe('lab');
  // A field newer than the committed run (e.g. mem_share_values) takes its default.
  expect(useConfigStore.getState().config).toEqual({ ...DEFAULT_CONFIG, ...arm.config, backend: 'wasm' });
});

test('the page speaks plainly: no working shorthand, and Open in lab says how many steps reproduce a row', async () => {
  const screen = await render(<ResultsPage />);
  await expect.element(screen.getByRole('heading', { name: 'Results', level: 1 })).toBeInTheDocument();
  const text = screen.container.textContent ?? '';
  expect(text).not.toMatch(/\(2nd\)/);
  expect(text).not.toMatch(/\bthe brief\b/i);
  // Each row's button: the steps that reproduce it where the lab's default corpus is the one it
  // trained on; otherwise it says the lab trains on the default corpus.
  const facts = factCount(resolveKnowledge()).toLocaleString('en');
  for (const { result } of ok) {
    const steps = result.scale.steps.toLocaleString('en');
    for (const arm of result.arms) {
      const button = screen
        .getByRole('table', { name: `${result.experiment}: configs` })
        .getByRole('button', { name: `Open ${arm.label} in the lab` });
      const known = armKnowledge(result, arm);
      await expect
        .element(button)
        .toHaveTextContent(
          known && sameKnowledge(known, resolveKnowledge())
            ? `Open in lab · ${steps} steps`
            : `Open in lab · default ${facts}-fact corpus`,
        );
    }
  }
});

test('Download JSON is a Blob link holding the result', async () => {
  const { result } = ok[0];
  const screen = await render(<ResultsPage />);
  const link = screen.getByRole('link', { name: `Download the ${result.experiment} result as JSON` });
  await expect.element(link).toHaveAttribute('download', `${result.experiment}.json`);
  await expect.element(link).toHaveAttribute('href', expect.stringMatching(/^blob:/));
  const href = link.element().getAttribute('href')!;
  const json = JSON.parse(await (await fetch(href)).text());
  expect(json.experiment).toBe(result.experiment);
  expect(json.arms.map((a: { label: string }) => a.label)).toEqual(result.arms.map((a) => a.label));
});

test('the summary jumps to a section without touching the URL hash (it holds the page and config)', async () => {
  const before = window.location.hash;
  const screen = await render(<ResultsPage />);
  const last = EXPERIMENT_NAMES[EXPERIMENT_NAMES.length - 1];
  await screen.getByRole('table', { name: 'Experiments' }).getByRole('button', { name: last }).click();
  expect((document.activeElement as HTMLElement | null)?.dataset.experiment).toBe(last);
  expect(window.location.hash).toBe(before);
});
