import { formatPercent } from '../../components/chart/format';
import { useCompareStore } from '../../state/compareStore';
import { isTraining, modelReady, useEngineStore } from '../../state/engineStore';
import { lastLoss } from '../../state/lossHistory';
import { useRunDataStore } from '../../state/runDataStore';
import { useUiStore } from '../../state/uiStore';
import { useEngine } from '../EngineContext';
import { useUsedFraction } from '../hooks';
import { RunStatus } from './RunStatus';
import { resetRun, settingsRefusal, stepOnce, toggleTraining } from './runControls';

/** Train / Step / Reset, slow mode, and the numbers that move while training. Always visible. */
export function RunBar() {
  const engine = useEngine();
  const state = useEngineStore((s) => s.state);
  const step = useRunDataStore((s) => s.data.step);
  const loss = useRunDataStore((s) => lastLoss(s.data.losses));
  const stepsPerSec = useRunDataStore((s) => s.data.stepsPerSec);
  const source = useRunDataStore((s) => s.data.source);
  const used = useUsedFraction();
  const slow = useUiStore((s) => s.slow);
  const slowMs = useUiStore((s) => s.slowMs);
  const hasModel = useEngineStore((s) => s.model !== null);
  const refusal = useEngineStore((s) => settingsRefusal(s.problem, s.model !== null));
  const comparing = useCompareStore((s) => s.progress !== null);
  const pausing = useUiStore((s) => s.pausing);
  // A comparison trains its own runs on the engine: Train here would cancel all of them.
  const ready = engine !== null && hasModel && modelReady(state) && !comparing;
  const training = isTraining(state);
  const why = comparing
    ? 'A comparison is running: cancel it in the lab to train the live model'
    : refusal
      ? `Nothing to train: ${refusal}`
      : null;
  return (
    <div className="run-bar">
      <RunStatus />
      <div className="run-bar__controls">
        <button
          type="button"
          className={`button button--primary run-bar__train${training ? ' is-training' : ''}`}
          disabled={!ready || (training && pausing)}
          onClick={() => void toggleTraining(engine)}
          title={why ?? (training ? 'Pause training (space)' : 'Train continuously (space)')}
        >
          <span aria-hidden="true" className="run-bar__icon">
            {training ? '❚❚' : '▶'}
          </span>
          {training ? (pausing ? 'Pausing…' : 'Pause') : 'Train'}
        </button>
        <button
          type="button"
          className="button"
          disabled={!ready}
          onClick={() => void stepOnce(engine)}
          title={why ?? 'One training step (s)'}
        >
          Step
        </button>
        <button
          type="button"
          className="button"
          disabled={!ready}
          onClick={() => void resetRun(engine)}
          title={why ?? 'Fresh weights, same settings (r)'}
        >
          Reset
        </button>
        <label className="run-bar__slow" title="Teaching mode: one step per interval">
          <input
            type="checkbox"
            checked={slow}
            onChange={(e) => void engine?.setSlow(e.target.checked)}
            disabled={engine === null}
          />
          Slow
          <select
            aria-label="Slow mode interval"
            value={slowMs}
            disabled={!slow}
            onChange={(e) => void engine?.setSlow(true, Number(e.target.value))}
          >
            {[100, 250, 500, 1000, 2000].map((ms) => (
              <option key={ms} value={ms}>
                {ms < 1000 ? `${ms} ms` : `${ms / 1000} s`}
              </option>
            ))}
          </select>
        </label>
      </div>
      <dl className="run-bar__stats" data-source={source}>
        <div>
          <dt>Step</dt>
          <dd>
            <output aria-label="Training step">{String(step)}</output>
          </dd>
        </div>
        <div>
          <dt>Loss</dt>
          <dd>
            <output aria-label="Training loss">{loss === null ? '—' : loss.toFixed(3)}</output>
          </dd>
        </div>
        <div title="Slots of the shown memory layer selected at least once during training (all heads)">
          <dt>Memory usage</dt>
          <dd>
            <output aria-label="Memory usage">{used === null ? '—' : formatPercent(used)}</output>
          </dd>
        </div>
        <div className="run-bar__speed">
          <dt>Speed</dt>
          <dd>{training && stepsPerSec > 0 ? formatSpeed(stepsPerSec) : '—'}</dd>
        </div>
      </dl>
    </div>
  );
}

/** Steps per second, or seconds per step when a step takes longer than a second. */
export function formatSpeed(stepsPerSec: number): string {
  if (stepsPerSec >= 10) return `${stepsPerSec.toFixed(0)} steps/s`;
  if (stepsPerSec >= 1) return `${stepsPerSec.toFixed(1)} steps/s`;
  return `${(1 / stepsPerSec).toFixed(1)} s/step`;
}
