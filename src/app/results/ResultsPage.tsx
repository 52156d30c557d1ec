import { useUiStore } from '../../state/uiStore';

/** The experiments' results arrive with a later issue; until then this page says so. */
export function ResultsPage() {
  const setPage = useUiStore((s) => s.setPage);
  return (
    <div className="results-placeholder">
      <section className="lab-card results-placeholder__card" aria-label="Results">
        <h1>Results</h1>
        <p>
          The results of the experiments — memory against same-size baselines, query normalisation, heads × k,
          product against flat keys — will be shown here when the experiments have run.
        </p>
        <p>
          Meanwhile, the{' '}
          <button type="button" className="link-button" onClick={() => setPage('lab')}>
            lab
          </button>{' '}
          runs any of these comparisons live, one configuration at a time.
        </p>
      </section>
    </div>
  );
}
