import { afterEach, beforeEach, expect, test } from 'vitest';
import { userEvent } from 'vitest/browser';
import { cleanup, render } from 'vitest-browser-react';
import { LossPanel } from '../../src/app/figures/LossPanel';
import { TokenChooser } from '../../src/app/figures/TokenChooser';
import { UsagePanel } from '../../src/app/figures/UsagePanel';
import { LabPage } from '../../src/app/lab/LabPage';
import { ModelInfoCard } from '../../src/app/lab/ModelInfoCard';
import type { LayerUsage, Snapshot } from '../../src/engine/protocol';
import { useConfigStore } from '../../src/state/configStore';
import { useEngineStore } from '../../src/state/engineStore';
import { applySnapshot, emptyRunData } from '../../src/state/runData';
import { useRunDataStore } from '../../src/state/runDataStore';
import { useSelectionStore } from '../../src/state/selectionStore';
import { useUserTextStore } from '../../src/state/userTextStore';
import { modelInfoFor } from '../fixtures/modelInfo';
import '../../src/app/theme.css';
import '../../src/app/app.css';
import '../../src/app/lab/lab.css';

function usage(counted: number, slots = 256): LayerUsage {
  const total = Float32Array.from({ length: slots }, (_, i) => (i < counted ? 3 : 0));
  const map = { perHead: [total], total, max: counted > 0 ? 3 : 0 };
  return { layer: 2, heads: 1, slots, counts: map, weights: map, tokens: counted > 0 ? 512 : 0, halfLife: 0 };
}

function snapshot(step: number, losses: number[], layers: LayerUsage[] | null): Snapshot {
  return {
    seq: step,
    state: 'paused',
    step,
    lossStart: step - losses.length + 1,
    losses: Float32Array.from(losses),
    lr: 0.001,
    gradNorm: 1,
    eval: null,
    recall: [],
    tokensPerSec: 0,
    stepsPerSec: 0,
    stepMs: 0,
    trace: null,
    usage: layers,
    tfMemory: { numTensors: 1, numBytes: 1, numDataBuffers: 1, unreliable: false },
    backend: 'wasm',
    time: 1,
  };
}

beforeEach(() => {
  useConfigStore.getState().loadHash('');
  useEngineStore.setState({ model: null, state: 'paused', problem: null, fault: null });
  useUserTextStore.setState({ current: null, switched: null });
  useSelectionStore.setState({ text: 'hello', position: 0, layer: null });
  useRunDataStore.getState().replace(emptyRunData('live'), null);
});
afterEach(() => cleanup());

test('the text to trace is cut on characters: an emoji at the limit is never split', async () => {
  const screen = await render(<TokenChooser />);
  await userEvent.fill(screen.getByRole('textbox', { name: 'Text to trace' }), `${'a'.repeat(255)}😀b`);
  await expect.poll(() => useSelectionStore.getState().text).toBe(`${'a'.repeat(255)}😀`);
});

test('the model card names the text the model trains on now, after your own text is loaded', async () => {
  const model = modelInfoFor();
  useEngineStore.setState({ model });
  const screen = await render(<ModelInfoCard />);
  await expect.element(screen.getByText('the knowledge corpus')).toBeInTheDocument();
  useUserTextStore.getState().setSwitched({
    model,
    info: { kind: 'user', name: 'my-notes.txt', trainBytes: 9_000, validationBytes: 1_000, probes: 0 },
  });
  await expect.element(screen.getByText('my-notes.txt')).toBeInTheDocument();
  await expect.element(screen.getByText('the knowledge corpus')).not.toBeInTheDocument();
});

test('the usage map says nothing was read yet at step 0, and names the set its usage is over', async () => {
  useRunDataStore.getState().replace(applySnapshot(emptyRunData('live'), snapshot(0, [], [usage(0)])), null);
  const screen = await render(<UsagePanel />);
  await expect.element(screen.getByText(/No slot read yet/)).toBeInTheDocument();
  expect(screen.container.querySelector('canvas')).toBeNull();
  useRunDataStore
    .getState()
    .replace(applySnapshot(emptyRunData('live'), snapshot(4, [5, 4.8, 4.6, 4.5], [usage(64)])), null);
  await expect.element(screen.getByText(/slots used in training/)).toBeInTheDocument();
});

test('the loss chart scales its step axis to the live run, not to the 1,500-step reference', async () => {
  const reference = {
    name: 'precomputed (1500 steps)',
    train: {
      steps: Float64Array.from({ length: 1500 }, (_, i) => i + 1),
      loss: Float32Array.from({ length: 1500 }, (_, i) => 5 - i / 500),
    },
  };
  const live = Array.from({ length: 40 }, (_, i) => 5.5 - i / 40);
  useRunDataStore
    .getState()
    .replace(applySnapshot(emptyRunData('live'), snapshot(40, live, null)), reference);
  const screen = await render(<LossPanel />);
  await expect
    .element(screen.getByRole('img', { name: /^Loss chart/ }))
    .toHaveAttribute('aria-label', expect.stringContaining('steps 1–40'));
});

test('the coverage scope offers every head of the model', async () => {
  useConfigStore.getState().update({ heads: 4 });
  useEngineStore.setState({ model: modelInfoFor(useConfigStore.getState().config) });
  const screen = await render(<LabPage />);
  const scope = screen.getByRole('radiogroup', { name: 'Scope' });
  await expect.element(scope).toBeInTheDocument();
  expect(
    scope
      .getByRole('radio')
      .elements()
      .map((r) => r.closest('label')?.textContent),
  ).toEqual(['All heads', 'Head 1', 'Head 2', 'Head 3', 'Head 4']);
});
