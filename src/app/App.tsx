import { useLayoutEffect, useRef } from 'react';
import { useUiStore } from '../state/uiStore';
import { WorkNotices } from './keepWork/WorkNotices';
import { LabPage } from './lab/LabPage';
import { Notebook } from './notebook/Notebook';
import { ResultsPage } from './results/ResultsPage';
import { Header } from './shell/Header';
import { HelpOverlay } from './shell/HelpOverlay';
import { Notices } from './shell/Notices';
import { useShortcuts, useThemeAttribute } from './shell/useAppEffects';
import './app.css';

/** The shell: sticky header with the run bar and notices, the page of the URL hash, the help dialog. */
export function App() {
  useThemeAttribute();
  useShortcuts();
  const page = useUiStore((s) => s.page);
  const sticky = useStickyHeight();
  return (
    <div className="app" data-page={page}>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <div ref={sticky} className="app__sticky">
        <Header />
        <Notices placement="pinned" />
        <WorkNotices placement="pinned" />
      </div>
      <main id="main" className="app__main">
        <Notices placement="flow" />
        <WorkNotices placement="flow" />
        {page === 'notebook' ? <Notebook /> : page === 'lab' ? <LabPage /> : <ResultsPage />}
      </main>
      <HelpOverlay />
    </div>
  );
}

/** Publishes the sticky header's height (it grows with notices) as --header-h for sticky columns and anchors. */
function useStickyHeight() {
  const ref = useRef<HTMLDivElement>(null);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const set = () =>
      document.documentElement.style.setProperty(
        '--header-h',
        `${Math.ceil(el.getBoundingClientRect().height)}px`,
      );
    set();
    const observer = new ResizeObserver(set);
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  return ref;
}
