import { afterEach, beforeEach, expect, test, vi } from 'vitest';
import { userEvent } from 'vitest/browser';
import { cleanup, render } from 'vitest-browser-react';
import { EngineProvider } from '../../src/app/EngineContext';
import type { EngineConnection } from '../../src/app/engineConnection';
import { FactReadsPanel } from '../../src/app/figures/FactReadsPanel';
import type { FactRead, FactReads } from '../../src/engine/protocol';
import { DEFAULT_CONFIG } from '../../src/model/config';
import { useEngineStore } from '../../src/state/engineStore';
import { useInspectionStore } from '../../src/state/inspectionStore';
import { emptyRunData } from '../../src/state/runData';
import { useRunDataStore } from '../../src/state/runDataStore';
import { useSelectionStore } from '../../src/state/selectionStore';
import { modelInfoFor } from '../fixtures/modelInfo';
import '../../src/app/theme.css';
import '../../src/app/app.css';

const fact = (index: number, answer: string, said: string): FactRead => ({
  index,
  entity: `Person ${index}`,
  attribute: 'city',
  prompt: `Person ${index} lives in `,
  answer,
  greedy: [...new TextEncoder().encode(said)],
  greedyText: said,
  recalled: answer === said,
  heads: [
    { slots: [100 + index, 200 + index], weights: [0.7, 0.3] },
    { slots: [300 + index, 400 + index], weights: [0.6, 0.4] },
  ],
});

function factReadsAt(step: number): FactReads {
  return { step, layer: 2, probes: 300, facts: [fact(0, 'Oslo', 'Lima'), fact(5, 'Rome', 'Rome')] };
}

/** The two engine actions the panel uses, answering at once. */
function fakeEngine() {
  const factReads = vi.fn(async () => factReadsAt(useRunDataStore.getState().data.step));
  const readText = vi.fn(async () => null);
  return { engine: { factReads, readText } as unknown as EngineConnection, factReads, readText };
}

function liveAt(step: number) {
  useRunDataStore.getState().replace({ ...emptyRunData('live'), step }, null);
}

beforeEach(() => {
  useEngineStore.setState({ state: 'paused', model: modelInfoFor(DEFAULT_CONFIG) });
  useSelectionStore.setState({ slot: null, layer: null });
  useInspectionStore.getState().clear();
  liveAt(40);
});
afterEach(() => cleanup());

test('asks the live model, lists recalled facts first and opens a slot of the picked fact', async () => {
  const { engine, factReads, readText } = fakeEngine();
  const screen = await render(
    <EngineProvider engine={engine}>
      <FactReadsPanel />
    </EngineProvider>,
  );
  await expect.element(screen.getByText(/1 of 2 facts recalled/)).toBeInTheDocument();
  expect(factReads).toHaveBeenCalledTimes(1);
  // The shown layer: none picked, so the first memory layer (block 3).
  expect(factReads).toHaveBeenCalledWith(2);
  const items = screen.getByRole('list', { name: 'Facts asked' }).getByRole('listitem');
  await expect.element(items.first()).toHaveTextContent('Person 5 lives in');
  // The recalled fact is picked by default; its slots are listed.
  await expect.element(screen.getByRole('button', { pressed: true })).toHaveTextContent('Person 5');
  await userEvent.click(screen.getByRole('button', { name: /^Slot 305, head 2/ }));
  expect(useSelectionStore.getState().slot).toBe(305);
  await expect
    .element(screen.getByRole('button', { name: /^Slot 305, head 2/ }))
    .toHaveAttribute('aria-pressed', 'true');
  // The inspector's live reads were missing: the whole inspection text is read once.
  expect(readText).toHaveBeenCalled();
  await expect.element(screen.getByText(/asked at step 40/)).toBeInTheDocument();

  // A new step while paused is asked about again.
  liveAt(41);
  await expect.element(screen.getByText(/asked at step 41/)).toBeInTheDocument();
  expect(factReads).toHaveBeenCalledTimes(2);
  // The pick is kept across refreshes.
  await userEvent.click(screen.getByRole('button', { name: /Person 0 lives in/ }));
  liveAt(42);
  await expect.element(screen.getByText(/asked at step 42/)).toBeInTheDocument();
  await expect.element(screen.getByRole('button', { pressed: true })).toHaveTextContent('Person 0');
});

test('says why there is nothing to ask: no live model yet, or a model of the user’s own text', async () => {
  const { engine, factReads } = fakeEngine();
  liveAt(0);
  useRunDataStore.getState().replace({ ...emptyRunData('precomputed'), step: 1500 }, null);
  const screen = await render(
    <EngineProvider engine={engine}>
      <FactReadsPanel />
    </EngineProvider>,
  );
  await expect.element(screen.getByText(/appear as soon as it is ready/)).toBeInTheDocument();
  useEngineStore.setState({
    model: modelInfoFor(DEFAULT_CONFIG, {
      kind: 'user',
      name: 'notes.txt',
      trainBytes: 9000,
      validationBytes: 1000,
      probes: 0,
    }),
  });
  liveAt(3);
  await expect.element(screen.getByText(/your own text, which states no facts/)).toBeInTheDocument();
  expect(factReads).not.toHaveBeenCalled();
});
