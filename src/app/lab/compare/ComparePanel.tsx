import { useId, useMemo, useState } from 'react';
import { formatInt, formatMs, formatPercent, formatValue } from '../../../components/chart/format';
import { Segmented } from '../../../components/chart/Segmented';
import { LossChart, type LossRun } from '../../../components/LossChart';
import { useCompareStore } from '../../../state/compareStore';
import { useConfigStore } from '../../../state/configStore';
import { modelReady, useEngineStore } from '../../../state/engineStore';
import { useEngine } from '../../EngineContext';
import { Message, Progress } from '../common/DropZone';
import { downloadText } from '../common/download';
import { errorMessage } from '../common/errors';
import { FigureExportMenu } from '../export/FigureExportMenu';
import { COVERAGE_METRICS, CoverageCurves, type CoverageMetric } from './CoverageCurves';
import { compareCsv } from './compareExport';
import {
  COMPARE_PRESETS,
  type ComparePresetId,
  type CompareVariant,
  configSummary,
  customVariant,
  presetVariants,
} from './presets';
import { type Comparison, finalTrainLoss, meanStepMs } from './results';
import { runComparison } from './runComparison';
import { scheduleProblem } from './schedule';
import '../common/labFeatures.css';
import './compare.css';
import { TextField } from '../common/TextField';

/** Compare runs: train several variants of the current config on the same data and seed, overlay their curves. */
export function ComparePanel() {
  const comparisons = useCompareStore((s) => s.comparisons);
  const [shown, setShown] = useState<string | null>(null);
  const current = comparisons.find((c) => c.id === shown) ?? comparisons[0] ?? null;
  return (
    <div className="lab-feature compare">
      <p className="lab-muted">
        Trains each variant of the current settings for the same steps on the same data and seed, one after
        the other, and overlays their curves. Your run is kept and loaded back at the end.
      </p>
      <CompareSetup onStarted={(id) => setShown(id)} />
      {comparisons.length > 1 ? (
        <label className="field field--inline">
          <span className="field__label">Show</span>
          <select value={current?.id ?? ''} onChange={(e) => setShown(e.target.value)}>
            {comparisons.map((c) => (
              <option key={c.id} value={c.id}>
                {c.title} · {new Date(c.startedAt).toLocaleTimeString()}
              </option>
            ))}
          </select>
        </label>
      ) : null}
      {current ? <CompareResults comparison={current} /> : null}
    </div>
  );
}

function CompareSetup({ onStarted }: { onStarted: (id: string) => void }) {
  const engine = useEngine();
  const config = useConfigStore((s) => s.config);
  const state = useEngineStore((s) => s.state);
  const progress = useCompareStore((s) => s.progress);
  const cancelRequested = useCompareStore((s) => s.cancelRequested);
  const [preset, setPreset] = useState<ComparePresetId>('memory');
  const [excluded, setExcluded] = useState<Set<string>>(new Set());
  const [custom, setCustom] = useState<CompareVariant[]>([]);
  const [customText, setCustomText] = useState('');
  const [customProblem, setCustomProblem] = useState<string | null>(null);
  const [steps, setSteps] = useState('200');
  const [evalEvery, setEvalEvery] = useState('50');
  // Recall is what the knowledge task is for: measured unless switched off (it adds ~1 s per evaluation).
  const [recall, setRecall] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const ids = { steps: useId(), every: useId(), custom: useId() };

  const variants = useMemo(() => [...presetVariants(preset, config), ...custom], [preset, config, custom]);
  const chosen = variants.filter((v) => !excluded.has(v.id));
  const stepsN = Number(steps);
  const everyN = Number(evalEvery);
  const problem = scheduleProblem({ steps: stepsN, evalEvery: everyN, maxBatch: 10 });
  const ready = state === 'unconfigured' || modelReady(state);
  const runnable = chosen.filter((v) => v.config).length;
  const canStart = !!engine && !progress && ready && !problem && runnable > 0;

  const addCustom = () => {
    const v = customVariant(`custom-${custom.length + 1}-${Date.now()}`, customText, config);
    if (!v.config) {
      setCustomProblem(v.problem);
      return;
    }
    // Run names label the curves: keep them unique.
    const taken = new Set(variants.map((x) => x.label));
    let label = v.label;
    for (let i = 2; taken.has(label); i++) label = `${v.label} (${i})`;
    setCustom([...custom, { ...v, label }]);
    setCustomText('');
    setCustomProblem(null);
  };
  const start = async () => {
    if (!engine) return;
    setError(null);
    const title =
      COMPARE_PRESETS.find((p) => p.id === preset)!.title + (custom.length > 0 ? ' + custom' : '');
    const pending = runComparison(engine, {
      title,
      variants: chosen,
      steps: stepsN,
      evalEvery: everyN,
      recall: recall && config.corpus === 'knowledge',
    });
    const first = useCompareStore.getState().comparisons[0];
    if (first) onStarted(first.id);
    try {
      await pending;
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  const cancel = () => {
    useCompareStore.getState().requestCancel(true);
    // Aborts an evaluation in flight; step batches are short and end on their own.
    void engine?.request({ type: 'cancel' }).catch(() => undefined);
  };

  return (
    <div className="compare-setup">
      <fieldset className="compare-presets" disabled={!!progress}>
        <legend>What to compare</legend>
        {COMPARE_PRESETS.map((p) => (
          <label key={p.id} className="compare-presets__option">
            <input
              type="radio"
              name="compare-preset"
              value={p.id}
              checked={preset === p.id}
              onChange={() => {
                setPreset(p.id);
                setExcluded(new Set());
              }}
            />
            <span>
              <strong>{p.title}</strong>
              <span className="lab-muted"> — {p.description}</span>
            </span>
          </label>
        ))}
      </fieldset>
      <fieldset className="compare-variants" disabled={!!progress}>
        <legend>Runs</legend>
        <ul>
          {variants.map((v) => (
            <li key={v.id} className={v.config ? undefined : 'is-invalid'}>
              <label>
                <input
                  type="checkbox"
                  checked={!excluded.has(v.id) && !!v.config}
                  disabled={!v.config}
                  onChange={(e) => {
                    const next = new Set(excluded);
                    if (e.target.checked) next.delete(v.id);
                    else next.add(v.id);
                    setExcluded(next);
                  }}
                />
                <span className="compare-variants__label">{v.label}</span>
              </label>
              <span className="compare-variants__detail">
                {v.config ? configSummary(v.config) : `cannot run: ${v.problem}`}
              </span>
              {custom.includes(v) ? (
                <button
                  type="button"
                  className="button button--small button--quiet"
                  aria-label={`Remove ${v.label}`}
                  onClick={() => setCustom(custom.filter((x) => x !== v))}
                >
                  Remove
                </button>
              ) : null}
            </li>
          ))}
        </ul>
        <div className="compare-custom">
          <label htmlFor={ids.custom} className="field__label">
            Add a run with other settings
          </label>
          <div className="compare-custom__row">
            <input
              id={ids.custom}
              type="text"
              placeholder="e.g. knn=16 heads=1"
              value={customText}
              aria-invalid={customProblem ? true : undefined}
              onChange={(e) => setCustomText(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === 'Enter') {
                  e.preventDefault();
                  addCustom();
                }
              }}
            />
            <button
              type="button"
              className="button button--small"
              onClick={addCustom}
              disabled={!customText.trim()}
            >
              Add
            </button>
          </div>
          {customProblem ? <Message kind="error">{customProblem}</Message> : null}
        </div>
      </fieldset>
      <div className="compare-controls">
        <TextField
          id={ids.steps}
          label="Steps per run"
          value={steps}
          onChange={setSteps}
          inputMode="numeric"
        />
        <TextField
          id={ids.every}
          label="Evaluate every"
          value={evalEvery}
          onChange={setEvalEvery}
          inputMode="numeric"
        />
        {config.corpus === 'knowledge' ? (
          <label className="compare-recall">
            <input
              type="checkbox"
              checked={recall}
              disabled={!!progress}
              onChange={(e) => setRecall(e.target.checked)}
            />
            Fact recall at each evaluation (about 1 s each)
          </label>
        ) : null}
        {progress ? (
          <button type="button" className="button" onClick={cancel} disabled={cancelRequested}>
            {cancelRequested ? 'Cancelling…' : 'Cancel'}
          </button>
        ) : (
          <button
            type="button"
            className="button button--primary"
            onClick={() => void start()}
            disabled={!canStart}
          >
            Compare {runnable} run{runnable === 1 ? '' : 's'}
          </button>
        )}
      </div>
      {problem ? <Message kind="error">{problem.charAt(0).toUpperCase() + problem.slice(1)}.</Message> : null}
      {!ready && !progress ? (
        <p className="lab-muted">The engine is busy ({state}); a comparison can start once it is ready.</p>
      ) : null}
      {progress ? (
        <div className="compare-progress">
          <Progress
            label={`Run ${progress.run + 1} of ${progress.runs}: ${progress.phase}`}
            done={progress.done}
            total={progress.total}
          />
          <p className="lab-muted">
            The figures above follow the run being trained; your own run comes back when the comparison ends.
          </p>
        </div>
      ) : null}
      {error ? <Message kind="error">{error}</Message> : null}
    </div>
  );
}

function CompareResults({ comparison }: { comparison: Comparison }) {
  const [metric, setMetric] = useState<CoverageMetric>('usage');
  const runs = comparison.runs;
  const lossRuns = useMemo<LossRun[]>(
    () =>
      runs.map((r) => ({
        name: r.label,
        train: { steps: r.train.steps, loss: r.train.loss },
        val: { steps: r.val.map((v) => v.step), loss: r.val.map((v) => v.loss) },
      })),
    [runs],
  );
  const slug = `pkm-compare-${new Date(comparison.startedAt).toISOString().slice(0, 19).replaceAll(':', '-')}`;
  return (
    <section className="compare-results" aria-label={`Results: ${comparison.title}`}>
      <div className="compare-results__head">
        <h3>
          {comparison.title}{' '}
          <span className="lab-muted">
            · {formatInt(comparison.steps)} steps per run · evaluated every {formatInt(comparison.evalEvery)}
          </span>
        </h3>
        <span className={`compare-status compare-status--${comparison.status}`}>{comparison.status}</span>
      </div>
      {comparison.message ? (
        <Message kind={comparison.status === 'failed' ? 'error' : 'info'}>{comparison.message}</Message>
      ) : null}
      <div className="figure-frame compare-figure">
        <div className="figure-frame__head">
          <h3 className="figure-frame__title">Loss of the compared runs</h3>
          <FigureExportMenu title="Loss of the compared runs" />
        </div>
        <div className="figure-frame__body">
          <LossChart runs={lossRuns} height={240} label="compared runs" />
        </div>
      </div>
      <div className="figure-frame compare-figure">
        <div className="figure-frame__head">
          <h3 className="figure-frame__title">Coverage of the compared runs</h3>
          <FigureExportMenu title="Coverage of the compared runs" />
        </div>
        <div className="figure-frame__controls">
          <Segmented label="Metric" options={COVERAGE_METRICS} value={metric} onChange={setMetric} />
        </div>
        <div className="figure-frame__body">
          <CoverageCurves runs={runs} metric={metric} />
        </div>
      </div>
      <div className="lab-table-wrap">
        <table className="lab-table">
          <caption className="lab-sr-only">Compared runs at their last step</caption>
          <thead>
            <tr>
              <th scope="col">Run</th>
              <th scope="col">Status</th>
              <th scope="col">Train loss</th>
              <th scope="col">Val loss</th>
              <th scope="col">Usage</th>
              <th scope="col">Recall</th>
              <th scope="col">ms/step</th>
              <th scope="col">Parameters</th>
            </tr>
          </thead>
          <tbody>
            {runs.map((r, i) => {
              const train = finalTrainLoss(r);
              const val = r.val.at(-1);
              const cov = r.coverage.at(-1);
              const recall = r.recall.at(-1);
              const ms = meanStepMs(r);
              return (
                <tr key={r.id}>
                  <th scope="row">
                    <span
                      className="compare-swatch"
                      style={{ background: `var(--cat-${(i % 8) + 1})` }}
                      aria-hidden="true"
                    />
                    {r.label}
                  </th>
                  <td>
                    {r.status}
                    {r.error ? <span className="compare-error">: {r.error}</span> : null}
                  </td>
                  <td>{train === null ? '—' : formatValue(train)}</td>
                  <td>{val ? formatValue(val.loss) : '—'}</td>
                  <td>
                    {cov ? formatPercent(cov.usage) : r.config?.mem_layers.length === 0 ? 'no memory' : '—'}
                  </td>
                  <td>{recall ? formatPercent(recall.accuracy) : '—'}</td>
                  <td>{ms === null ? '—' : formatMs(ms)}</td>
                  <td>{r.parameters === null ? '—' : formatInt(r.parameters)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <div className="lab-actions">
        <button
          type="button"
          className="button button--small"
          onClick={() =>
            downloadText(`${JSON.stringify(comparison, null, 1)}\n`, `${slug}.json`, 'application/json')
          }
        >
          Download JSON
        </button>
        <button
          type="button"
          className="button button--small"
          onClick={() => downloadText(compareCsv(comparison), `${slug}.csv`, 'text/csv')}
        >
          Download CSV
        </button>
        {comparison.status !== 'running' ? (
          <button
            type="button"
            className="button button--small button--quiet"
            onClick={() => useCompareStore.getState().remove(comparison.id)}
          >
            Forget this comparison
          </button>
        ) : null}
      </div>
    </section>
  );
}
