import { useId, useMemo, useState } from 'react';
import { LossChart, type LossRun } from '../../components/LossChart';
import { getExperiment } from '../../model/experiments/definitions';
import { resultCorpusText } from '../../model/experiments/resultCorpus';
import type { ExperimentName, ExperimentResult } from '../../model/experiments/types';
import { useEngine } from '../EngineContext';
import { armRows } from './armRows';
import { CapacityFigure } from './CapacityFigure';
import { DownloadJson } from './DownloadJson';
import { OpenInLabButton } from './OpenInLabButton';
import { openInLab } from './openInLab';
import { plainWords } from './plainWords';
import { meanValidationCurve, type ResultEntry, runCommand, runFacts, sectionId } from './resultEntries';
import { ClaimBadge, RowBadge } from './Verdict';
import '../lab/lab.css';
import './results.css';

/** One experiment: its result, the error of its file, or how to run it. */
export function ExperimentSection({ entry, reading }: { entry: ResultEntry; reading?: readonly string[] }) {
  if (entry.status === 'ok') return <ResultSection result={entry.result} reading={reading} />;
  const def = getExperiment(entry.name);
  return (
    <Frame name={entry.name} title={def.title} modifier={entry.status}>
      <p className="results-exp__paper">
        <strong>Paper:</strong> {plainWords(def.expectation)}
      </p>
      {entry.status === 'error' ? (
        <div className="results-exp__problem" role="alert">
          <strong>This result could not be read.</strong> {entry.message}. Run it again with{' '}
          <code>{runCommand(entry.name)}</code>.
        </div>
      ) : (
        <p className="results-exp__missing">
          <strong>Not run yet.</strong> Run it with <code>{runCommand(entry.name)}</code>: it trains every
          config and writes <code>experiments/results/{entry.name}.json</code>, which this page shows after
          the next build.
        </p>
      )}
    </Frame>
  );
}

function Frame({
  name,
  title,
  modifier,
  actions,
  children,
}: {
  name: ExperimentName;
  title: string;
  modifier?: string;
  actions?: React.ReactNode;
  children: React.ReactNode;
}) {
  const headingId = useId();
  return (
    <section
      id={sectionId(name)}
      className={`lab-card results-exp${modifier ? ` results-exp--${modifier}` : ''}`}
      aria-labelledby={headingId}
      data-experiment={name}
      tabIndex={-1}
    >
      <header className="results-exp__head">
        <div>
          <p className="results-exp__name">{name}</p>
          <h2 id={headingId}>{title}</h2>
        </div>
        {actions ? <div className="results-exp__actions">{actions}</div> : null}
      </header>
      {children}
    </section>
  );
}

function ResultSection({ result, reading }: { result: ExperimentResult; reading?: readonly string[] }) {
  const table = useMemo(() => armRows(result), [result]);
  const runs = useMemo<LossRun[]>(
    () =>
      result.arms.map((a) => {
        const curve = meanValidationCurve(result, a.label);
        // Step 0 (the untrained model, ~6 nats) would flatten the differences that matter.
        const from = curve.steps.findIndex((s) => s > 0);
        const keep = from < 0 ? curve.steps.length : from;
        return { name: a.label, val: { steps: curve.steps.slice(keep), loss: curve.loss.slice(keep) } };
      }),
    [result],
  );
  const engine = useEngine();
  const [problem, setProblem] = useState<string | null>(null);
  const open = async (label: string) => {
    const arm = result.arms.find((a) => a.label === label)!;
    const errors = await openInLab(arm.config, engine);
    setProblem(errors.length > 0 ? `${label} cannot be opened in the lab: ${errors.join('; ')}` : null);
  };
  const notes = result.claims.filter((c) => c.note);
  return (
    <Frame
      name={result.experiment}
      title={result.title}
      modifier={result.mode === 'full' ? undefined : 'partial'}
      actions={<DownloadJson result={result} />}
    >
      <p className="results-exp__paper">
        <strong>Paper:</strong> {plainWords(result.expectation)}
      </p>
      <p className="results-exp__paper">
        <strong>Data:</strong> {resultCorpusText(result)}.
      </p>
      {result.mode !== 'full' ? (
        <p className="lab-note">
          This is a {result.mode} run, not the full step budget: its numbers check the machinery only.
        </p>
      ) : null}
      {result.experiment === 'capacity' ? <CapacityFigure result={result} /> : null}
      <div className="results-table-wrap">
        <table className="results-table" aria-label={`${result.experiment}: configs`}>
          <thead>
            <tr>
              <th scope="col">config</th>
              {table.columns.map((c) => (
                <th key={c.header} scope="col" className="num" title={c.title}>
                  {c.header}
                </th>
              ))}
              <th scope="col">agrees with paper</th>
              <th scope="col">
                <span className="visually-hidden">actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {table.rows.map((row, r) => (
              <tr key={row.label}>
                <th scope="row">{row.label}</th>
                {row.cells.map((cell, i) => (
                  <td key={table.columns[i].header} className="num">
                    {cell.text}
                  </td>
                ))}
                <td>
                  <RowBadge verdict={row.verdict} />
                </td>
                <td>
                  <OpenInLabButton
                    result={result}
                    arm={result.arms[r]}
                    onOpen={(label) => void open(label)}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {problem ? (
        <p className="results-exp__problem" role="alert">
          {problem}
        </p>
      ) : null}
      <div className="results-exp__grid">
        <div className="results-exp__chart">
          <h3>Validation loss</h3>
          <LossChart runs={runs} height={260} label={`${result.experiment} validation loss`} />
          <p className="lab-muted">
            Mean over seeds on the validation curve set; step 0 (the untrained model) is left out.
          </p>
        </div>
        <div>
          <h3>Claims</h3>
          <ul className="results-claims" aria-label={`${result.experiment}: claims`}>
            {result.claims.map((c) => (
              <li key={c.id} className="results-claim">
                <div className="results-claim__head">
                  <ClaimBadge agrees={c.agrees} />
                  <span className="results-claim__statement">{plainWords(c.statement)}</span>
                </div>
                <dl className="results-claim__facts">
                  <dt>paper</dt>
                  <dd>{plainWords(c.paper)}</dd>
                  <dt>observed</dt>
                  <dd>{plainWords(c.observed)}</dd>
                </dl>
              </li>
            ))}
          </ul>
        </div>
      </div>
      {notes.length > 0 ? (
        <div className="results-notes">
          <h3>Toy scale</h3>
          <ul>
            {notes.map((c) => (
              <li key={c.id}>
                <strong>{plainWords(c.statement)}:</strong> {plainWords(c.note ?? '')}.
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {reading ? (
        <div className="results-reading">
          <h3>Reading</h3>
          {reading.map((p) => (
            <p key={p.slice(0, 40)}>{plainWords(p)}</p>
          ))}
        </div>
      ) : null}
      <footer className="results-exp__footer">{runFacts(result).join(' · ')}</footer>
    </Frame>
  );
}
