import { afterEach, beforeEach, expect, test } from 'vitest';
import { cleanup, render } from 'vitest-browser-react';
import { EngineProvider } from '../../src/app/EngineContext';
import { EngineConnection } from '../../src/app/engineConnection';
import { Notices } from '../../src/app/shell/Notices';
import { RunBar } from '../../src/app/shell/RunBar';
import { DEFAULT_CONFIG } from '../../src/model/config';
import { useCompareStore } from '../../src/state/compareStore';
import { useConfigStore } from '../../src/state/configStore';
import { useEngineStore } from '../../src/state/engineStore';
import { emptyRunData } from '../../src/state/runData';
import { useRunDataStore } from '../../src/state/runDataStore';
import { useUiStore } from '../../src/state/uiStore';
import { modelInfoFor } from '../fixtures/modelInfo';
import '../../src/app/theme.css';
import '../../src/app/app.css';

// An engine whose worker never finishes starting: the run bar has an engine, and every command it
// sends waits for that start, so what these tests read is what a click did before any answer.
const engine = new EngineConnection(() => new Promise(() => undefined));
void engine.start();

function Shell() {
  return (
    <EngineProvider engine={engine}>
      <RunBar />
      <Notices placement="pinned" />
    </EngineProvider>
  );
}

beforeEach(() => {
  useConfigStore.getState().loadHash('');
  useCompareStore.setState({ progress: null, cancelRequested: false });
  useUiStore.setState({ pausing: false });
  useEngineStore.setState({
    fault: null,
    problem: null,
    startError: null,
    backend: null,
    model: null,
    state: 'starting',
  });
  useRunDataStore.getState().replace(emptyRunData('live'), null);
});
afterEach(() => cleanup());

test('during a comparison the run bar says so and Train, Step and Reset wait for it', async () => {
  useEngineStore.setState({ state: 'paused', model: modelInfoFor() });
  const screen = await render(<Shell />);
  const train = screen.getByRole('button', { name: 'Train', exact: true });
  await expect.element(train).toBeEnabled();
  useCompareStore.getState().setProgress({ run: 1, runs: 3, done: 40, total: 300, phase: 'training 40/100' });
  await expect
    .element(screen.getByRole('status', { name: 'Model status' }))
    .toHaveTextContent('Comparing · run 2 of 3');
  await expect.element(train).toBeDisabled();
  await expect.element(train).toHaveAttribute('title', expect.stringMatching(/comparison is running/));
  await expect.element(screen.getByRole('button', { name: 'Step', exact: true })).toBeDisabled();
  await expect.element(screen.getByRole('button', { name: 'Reset', exact: true })).toBeDisabled();
  useCompareStore.getState().setProgress(null);
  await expect.element(train).toBeEnabled();
});

test('settings that do not fit stop the run bar (not "warming up") and the fix keeps the backend', async () => {
  useConfigStore.getState().loadHash('#backend=wasm&n_keys=512&v_dim=0');
  const screen = await render(<Shell />);
  useEngineStore.getState().setProblem({
    command: 'configure',
    kind: 'out-of-memory',
    message: 'Needs 3.2 GiB, the cap is 1.5 GiB.',
  });
  const status = screen.getByRole('status', { name: 'Model status' });
  await expect.element(status).toHaveTextContent('Stopped · these settings do not fit in memory');
  await expect.element(status).not.toHaveTextContent(/warming up/);
  await expect.element(screen.getByRole('button', { name: 'Train', exact: true })).toBeDisabled();
  // The notice's fix: the default settings, on the backend the user chose.
  await screen
    .getByRole('alert', { name: 'This configuration does not fit in memory' })
    .getByRole('button', { name: 'Use the default settings' })
    .click();
  await expect.poll(() => useConfigStore.getState().config.n_keys).toBe(DEFAULT_CONFIG.n_keys);
  expect(useConfigStore.getState().config.backend).toBe('wasm');
  // The run bar's own fix does the same.
  useConfigStore.getState().update({ n_keys: 512 });
  await status.getByRole('button', { name: 'Use the default settings' }).click();
  await expect.poll(() => useConfigStore.getState().config.n_keys).toBe(DEFAULT_CONFIG.n_keys);
  expect(useConfigStore.getState().config.backend).toBe('wasm');
});

test('Pause shows "pausing" at once, before the engine answers', async () => {
  useEngineStore.setState({ state: 'running', model: modelInfoFor() });
  const screen = await render(<Shell />);
  await screen.getByRole('button', { name: 'Pause', exact: true }).click();
  // The never-started engine never answers: what shows is what the click itself did.
  await expect.element(screen.getByRole('button', { name: 'Pausing…', exact: true })).toBeDisabled();
  await expect
    .element(screen.getByRole('status', { name: 'Model status' }))
    .toHaveTextContent('Live · pausing after this step…');
});
