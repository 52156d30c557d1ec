import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App';
import { EngineProvider } from './app/EngineContext';
import { EngineConnection } from './app/engineConnection';
import { startEngineClient } from './app/engineLink';
import { keepWork } from './app/keepWork/autosave';
import { matchesPrecomputed, precomputedRun } from './app/precomputed/precomputed';
import { followSelectionWithPrecomputed, showPrecomputed } from './app/precomputed/showPrecomputed';
import { useConfigStore } from './state/configStore';
import { startHashSync } from './state/hashSync';
import { useSelectionStore } from './state/selectionStore';
import './app/theme.css';

// The URL hash holds the page and the config; bad values are reported and replaced by defaults.
let engine: EngineConnection | null = null;
startHashSync((config) => void engine?.configure(config));

// First paint shows the precomputed run (when the link asks for its model) while the live one warms up.
const { trace } = precomputedRun;
useSelectionStore.setState({ text: trace.text, position: trace.position, layer: null });
if (matchesPrecomputed(useConfigStore.getState().config)) showPrecomputed();
followSelectionWithPrecomputed();

const params = new URLSearchParams(window.location.search);
// Engine options from the query string, e.g. ?checkpointEveryMs=1000 (tests use faster cadences).
const ENGINE_OPTIONS = [
  'snapshotHz',
  'evalEvery',
  'evalBatches',
  'traceHz',
  'usageHz',
  'usageHalfLife',
  'checkpointEveryMs',
] as const;
const engineOptions = Object.fromEntries(
  ENGINE_OPTIONS.filter((k) => params.has(k) && Number.isFinite(Number(params.get(k)))).map((k) => [
    k,
    Number(params.get(k)),
  ]),
);
engine = new EngineConnection(startEngineClient, {
  allowDebug: params.has('debug'),
  engineOptions,
});
if (params.has('debug')) {
  // Tests drive faults (device loss, NaN) and read the stores through this handle.
  Object.assign(window, { __pkm: { engine, stores: { useConfigStore, useSelectionStore } } });
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <EngineProvider engine={engine}>
      <App />
    </EngineProvider>
  </StrictMode>,
);
void engine.start();
// Autosave of the live run, and the offer to restore the previous visit's.
keepWork(engine);
