import { afterEach, beforeEach, expect, test } from 'vitest';
import { cleanup, render } from 'vitest-browser-react';
import { Notices } from '../../src/app/shell/Notices';
import { RunBar } from '../../src/app/shell/RunBar';
import type { EngineFault } from '../../src/engine/protocol';
import { useConfigStore } from '../../src/state/configStore';
import { useEngineStore } from '../../src/state/engineStore';
import { applySnapshot, emptyRunData } from '../../src/state/runData';
import { useRunDataStore } from '../../src/state/runDataStore';
import '../../src/app/theme.css';
import '../../src/app/app.css';

/** Both places the app renders notices: pinned under the header, and at the top of the page. */
function BothNotices() {
  return (
    <>
      <Notices placement="pinned" />
      <Notices placement="flow" />
    </>
  );
}

const fault = (f: Partial<EngineFault>): EngineFault => ({
  kind: 'diverged',
  message: 'The loss became NaN.',
  step: 40,
  backend: 'webgpu',
  recovery: 'paused',
  ...f,
});

beforeEach(() => {
  useConfigStore.getState().loadHash('');
  useEngineStore.setState({
    fault: null,
    problem: null,
    startError: null,
    backend: null,
    model: null,
    state: 'starting',
  });
  useRunDataStore.getState().clear();
});
afterEach(() => cleanup());

test('the run bar shows the step, the latest loss and the memory usage of the data shown', async () => {
  const total = Float32Array.from({ length: 16 }, (_, i) => (i < 4 ? 1 : 0));
  const map = { perHead: [total], total, max: 1 };
  useRunDataStore.getState().replace(
    applySnapshot(emptyRunData('live'), {
      seq: 3,
      state: 'running',
      step: 12,
      lossStart: 11,
      losses: Float32Array.of(2.5, 2.25),
      lr: 0.001,
      gradNorm: 1,
      eval: null,
      recall: [],
      tokensPerSec: 100,
      stepsPerSec: 4,
      stepMs: 250,
      trace: null,
      usage: [{ layer: 0, heads: 1, slots: 16, counts: map, weights: map, tokens: 4, halfLife: 0 }],
      tfMemory: { numTensors: 1, numBytes: 1, numDataBuffers: 1, unreliable: false },
      backend: 'webgpu',
      time: 1,
    }),
  );
  const screen = await render(<RunBar />);
  await expect.element(screen.getByLabelText('Training step', { exact: true })).toHaveTextContent(/^12$/);
  await expect.element(screen.getByLabelText('Training loss', { exact: true })).toHaveTextContent(/^2\.250$/);
  await expect.element(screen.getByLabelText('Memory usage', { exact: true })).toHaveTextContent(/^25\.0%$/);
  // No engine here: the controls are there but disabled.
  await expect.element(screen.getByRole('button', { name: 'Train', exact: true })).toBeDisabled();
  await expect.element(screen.getByRole('button', { name: 'Step', exact: true })).toBeDisabled();
  await expect.element(screen.getByRole('button', { name: 'Reset', exact: true })).toBeDisabled();
});

test('faults become banners that say what happened and offer an action', async () => {
  const screen = await render(<BothNotices />);
  useEngineStore.setState({ fault: fault({}) });
  await expect
    .element(screen.getByRole('alert', { name: 'Training diverged at step 40' }))
    .toBeInTheDocument();
  await expect.element(screen.getByRole('button', { name: 'Reset model' })).toBeInTheDocument();
  // Faults stay pinned under the header; notes about the backend scroll with the page.
  expect(screen.getByRole('alert').element().closest('.notices--pinned')).not.toBeNull();

  useEngineStore.setState({
    fault: fault({ kind: 'device-lost', recovery: 'restarting', message: 'The GPU was reset.' }),
  });
  await expect
    .element(screen.getByRole('status', { name: 'The webgpu device was lost — restarting…' }))
    .toBeInTheDocument();

  useEngineStore.setState({
    backend: {
      backend: 'wasm',
      requested: 'auto',
      fallbacks: [{ backend: 'webgpu', reason: 'device lost' }],
    },
    fault: fault({
      kind: 'device-lost',
      recovery: 'restarted',
      restoredStep: 38,
      message: 'The GPU was reset.',
    }),
  });
  await expect
    .element(screen.getByRole('status', { name: 'Restarted on wasm · restored step 38' }))
    .toBeInTheDocument();
  await expect.element(screen.getByRole('button', { name: 'Resume training' })).toBeInTheDocument();
  await expect
    .element(screen.getByRole('status', { name: 'Training runs on wasm' }))
    .toHaveTextContent('Not webgpu: device lost');
  expect(
    screen.getByRole('status', { name: 'Training runs on wasm' }).element().closest('.notices--flow'),
  ).not.toBeNull();

  useEngineStore.setState({
    fault: fault({ kind: 'out-of-memory', message: 'Needs 3.2 GiB, the cap is 1.5 GiB.' }),
  });
  const oom = screen.getByRole('alert', { name: 'This configuration does not fit in memory' });
  await expect.element(oom).toHaveTextContent('Needs 3.2 GiB');
  await expect.element(screen.getByRole('button', { name: 'Use the default settings' })).toBeInTheDocument();
  await screen.getByRole('button', { name: 'Dismiss' }).first().click();
  await expect.element(oom).not.toBeInTheDocument();
  expect(useEngineStore.getState().fault).toBeNull();
});

test('a software GPU passed over is explained with WebGPU offered; restarts that gave up offer a restart', async () => {
  const screen = await render(<BothNotices />);
  useEngineStore.setState({
    backend: {
      backend: 'wasm',
      requested: 'auto',
      fallbacks: [
        { backend: 'webgpu', reason: 'its only adapter is a software renderer (google swiftshader)' },
        { backend: 'webgl', reason: 'tried after wasm, since it copies whole value tables' },
      ],
      softwareAdapter: 'google swiftshader',
    },
  });
  const notice = screen.getByRole('status', {
    name: 'Training runs on wasm: the GPU here is a software adapter',
  });
  await expect.element(notice).toHaveTextContent(/runs on google swiftshader/);
  await expect.element(notice).toHaveTextContent('Not webgl: tried after wasm');
  await expect.element(screen.getByRole('button', { name: 'Use WebGPU anyway' })).toBeInTheDocument();
  // One notice says it all: no second list of fallbacks.
  expect(screen.getByRole('status', { name: 'Training runs on wasm', exact: true }).elements()).toHaveLength(
    0,
  );
  // Dismissed, it goes with its list: no second notice takes its place.
  await notice.getByRole('button', { name: 'Dismiss' }).click();
  await expect.element(notice).not.toBeInTheDocument();
  expect(screen.getByRole('status', { name: /^Training runs on/ }).elements()).toHaveLength(0);

  useEngineStore.setState({
    fault: fault({
      kind: 'worker-crashed',
      recovery: 'none',
      message: 'The engine stopped. Restarting failed 5 times: the engine’s code could not be loaded.',
    }),
  });
  const gaveUp = screen.getByRole('alert', { name: 'The engine crashed' });
  await expect.element(gaveUp).toHaveTextContent('Restarting failed 5 times');
  await expect.element(screen.getByRole('button', { name: 'Restart the engine' })).toBeInTheDocument();
  await expect.element(screen.getByRole('button', { name: 'Reset model' })).toBeInTheDocument();
});

test('a refused command and settings from the link that were not used are shown and dismissible', async () => {
  useConfigStore.getState().loadHash('#knn=999');
  const screen = await render(<BothNotices />);
  await expect
    .element(screen.getByRole('status', { name: 'Some settings in the link were not used' }))
    .toHaveTextContent('knn must be an integer from 1 to 64 (got 999); using the default 8.');
  useEngineStore.getState().setProblem({
    command: 'configure',
    kind: 'invalid-config',
    message: 'bad',
    configErrors: [
      { field: 'k_dim', message: 'k_dim must be even: the query is split in two halves (got 7)' },
    ],
  });
  await expect
    .element(screen.getByRole('alert', { name: 'The engine refused these settings' }))
    .toHaveTextContent('k_dim must be even');
  useEngineStore.getState().setStartError('Worker failed to load.');
  await expect
    .element(screen.getByRole('alert', { name: 'The training engine could not start' }))
    .toHaveTextContent('Worker failed to load.');
});
