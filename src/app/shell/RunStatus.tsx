import { useCompareStore } from '../../state/compareStore';
import { useEngineStore } from '../../state/engineStore';
import { useRunDataStore } from '../../state/runDataStore';
import { useUiStore } from '../../state/uiStore';
import { useEngine } from '../EngineContext';
import { applyDefaultSettings, settingsRefusal } from './runControls';

/**
 * One line that says what the figures show: the precomputed run, a warming model, the live one,
 * a comparison borrowing the engine, or settings the engine refused (with the fix).
 */
export function RunStatus() {
  const engine = useEngine();
  const state = useEngineStore((s) => s.state);
  const warmup = useEngineStore((s) => s.warmup);
  const startError = useEngineStore((s) => s.startError);
  const backend = useEngineStore((s) => s.backend?.backend);
  const refusal = useEngineStore((s) => settingsRefusal(s.problem, s.model !== null));
  const comparing = useCompareStore((s) => s.progress);
  const source = useRunDataStore((s) => s.data.source);
  const slowMs = useUiStore((s) => s.slowMs);
  const pausing = useUiStore((s) => s.pausing);
  const warming =
    state === 'starting' || state === 'building' || state === 'warming' || state === 'unconfigured';
  let tone: 'pre' | 'warm' | 'live' | 'bad' = 'live';
  let text: string;
  if (startError) {
    tone = 'bad';
    text = 'Engine unavailable';
  } else if (comparing) {
    tone = 'warm';
    text = `Comparing · run ${comparing.run + 1} of ${comparing.runs}`;
  } else if (refusal) {
    tone = 'bad';
    text = `Stopped · ${refusal}`;
  } else if (source === 'precomputed') {
    tone = 'pre';
    text = 'Precomputed — live model warming up…';
  } else if (warming) {
    tone = 'warm';
    text = 'Live model warming up…';
  } else if (pausing && (state === 'running' || state === 'slow')) {
    text = 'Live · pausing after this step…';
  } else if (state === 'running') {
    text = `Live · training on ${backend}`;
  } else if (state === 'slow') {
    text = `Live · one step every ${slowMs < 1000 ? `${slowMs} ms` : `${slowMs / 1000} s`}`;
  } else if (state === 'restarting') {
    tone = 'warm';
    text = 'Restarting the engine…';
  } else if (state === 'faulted') {
    tone = 'bad';
    text = 'Live · stopped by a fault';
  } else {
    text = `Live · paused on ${backend}`;
  }
  const progress = !comparing && !refusal && (warming || source === 'precomputed') ? warmup : null;
  return (
    <div className={`run-status run-status--${tone}`} role="status" aria-label="Model status">
      <span className="run-status__dot" aria-hidden="true" />
      <span className="run-status__text">{text}</span>
      {comparing ? <span className="run-status__phase">{comparing.phase}</span> : null}
      {refusal ? (
        <button
          type="button"
          className="button button--small"
          disabled={engine === null}
          onClick={() => void applyDefaultSettings(engine)}
        >
          Use the default settings
        </button>
      ) : null}
      {progress ? (
        <span className="run-status__progress" title={progress.message}>
          <progress max={1} value={progress.fraction} aria-label="Warm-up progress" />
          <span className="run-status__phase">{progress.message}</span>
        </span>
      ) : null}
    </div>
  );
}
