import { BackendBadge } from '../../components/BackendBadge';
import { useEngineStore } from '../../state/engineStore';
import { type Page, useUiStore } from '../../state/uiStore';
import { RunBar } from './RunBar';
import { ThemeToggle } from './ThemeToggle';

const TABS: { page: Page; label: string }[] = [
  { page: 'notebook', label: 'Notebook' },
  { page: 'lab', label: 'Lab' },
  { page: 'results', label: 'Results' },
];

/** Title, page tabs, backend, theme and help; below it the run bar. Sticky on every page. */
export function Header() {
  const page = useUiStore((s) => s.page);
  const setPage = useUiStore((s) => s.setPage);
  const setHelpOpen = useUiStore((s) => s.setHelpOpen);
  const backend = useEngineStore((s) => s.backend);
  const startError = useEngineStore((s) => s.startError);
  return (
    <header className="app-header">
      <div className="app-header__top">
        <div className="app-header__brand">
          <span className="app-header__logo" aria-hidden="true">
            <svg viewBox="0 0 24 24" width="24" height="24" aria-hidden="true">
              <rect x="2" y="2" width="9" height="9" rx="2" />
              <rect x="13" y="2" width="9" height="9" rx="2" />
              <rect x="2" y="13" width="9" height="9" rx="2" />
              <rect x="13" y="13" width="9" height="9" rx="2" className="app-header__logo-hot" />
            </svg>
          </span>
          <span>
            <span className="app-header__title">PKM Explorer</span>
            <span className="app-header__subtitle">product-key memory, trained in your browser</span>
          </span>
        </div>
        <nav className="app-tabs" aria-label="Pages">
          {TABS.map((t) => (
            <a
              key={t.page}
              href={`#page=${t.page}`}
              className="app-tabs__tab"
              aria-current={page === t.page ? 'page' : undefined}
              onClick={(e) => {
                e.preventDefault();
                setPage(t.page);
              }}
            >
              {t.label}
            </a>
          ))}
        </nav>
        <div className="app-header__tools">
          <BackendBadge
            backend={backend?.backend ?? null}
            fallbacks={backend?.fallbacks}
            detail={backend?.adapter?.fallback ? 'software adapter' : undefined}
            error={startError}
          />
          <ThemeToggle />
          <button
            type="button"
            className="icon-button"
            onClick={() => setHelpOpen(true)}
            aria-label="Keyboard shortcuts"
            title="Keyboard shortcuts (?)"
          >
            ?
          </button>
        </div>
      </div>
      <RunBar />
    </header>
  );
}
