import { getExperiment } from '../../model/experiments/definitions';
import type { ExperimentName } from '../../model/experiments/types';
import { COMMITTED_RESULTS } from './committedResults';
import { ExperimentSection } from './ExperimentSection';
import { READINGS } from './readings';
import { type CommittedResults, type ResultEntry, sectionId } from './resultEntries';
import { VerdictCounts } from './Verdict';
import '../lab/lab.css';
import './results.css';

/** The experiments' committed results (bundled at build time), with a reading of each. */
export function ResultsPage() {
  return <ResultsView results={COMMITTED_RESULTS} readings={READINGS} />;
}

export interface ResultsViewProps {
  results: CommittedResults;
  readings: Partial<Record<ExperimentName, readonly string[]>>;
}

export function ResultsView({ results, readings }: ResultsViewProps) {
  const { entries, strays } = results;
  const run = entries.filter((e) => e.status === 'ok').length;
  return (
    <section className="results" aria-label="Results">
      <div className="lab-card results-intro">
        <h1>Results</h1>
        <p>
          These experiments reproduce the paper’s findings at toy scale: every config of an experiment trains
          on the same data, seeds and steps, and each of the paper’s claims is checked against the numbers.{' '}
          {run} of {entries.length} experiments have committed results; each was run in Node on the wasm
          backend with <code>npm run -s pkm -- experiment &lt;name&gt;</code>. Toy models disagree with the
          paper in places, and the page says where.
        </p>
        <div className="results-table-wrap">
          <table className="results-summary" aria-label="Experiments">
            <thead>
              <tr>
                <th scope="col">experiment</th>
                <th scope="col">question</th>
                <th scope="col">claims checked</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((e) => (
                <tr key={e.name}>
                  <th scope="row">
                    <button type="button" className="link-button" onClick={() => jumpTo(e.name)}>
                      {e.name}
                    </button>
                  </th>
                  <td>{e.status === 'ok' ? e.result.title : getExperiment(e.name).title}</td>
                  <td>
                    <SummaryVerdict entry={e} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>
      {entries.map((e) => (
        <ExperimentSection
          key={e.name}
          entry={e}
          reading={e.status === 'ok' ? readings[e.name] : undefined}
        />
      ))}
      {strays.map((s) => (
        <div key={s.source} className="lab-card results-exp results-exp--error" role="alert">
          <strong>An unexpected file in experiments/results/.</strong> {s.message}.
        </div>
      ))}
    </section>
  );
}

function SummaryVerdict({ entry }: { entry: ResultEntry }) {
  if (entry.status === 'ok') return <VerdictCounts result={entry.result} />;
  if (entry.status === 'error') return <span className="verdict verdict--no">file unreadable</span>;
  return <span className="verdict verdict--none">not run yet</span>;
}

/** Scrolls to a section without touching the URL hash (the hash holds the page and the config). */
function jumpTo(name: ExperimentName) {
  const el = document.getElementById(sectionId(name));
  if (!el) return;
  el.scrollIntoView({ behavior: 'smooth', block: 'start' });
  el.focus({ preventScroll: true });
}
