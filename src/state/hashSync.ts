import type { ModelConfig } from '../model/config';
import { currentHash, useConfigStore } from './configStore';
import { isPage, type Page, useUiStore } from './uiStore';

/** Keys of the hash that belong to the app, not to the config. */
export const APP_HASH_KEYS = ['page'] as const;

/**
 * Reads a location hash into the config store (bad values are reported as problems and replaced
 * by defaults) and returns the page it names ('notebook' when none or a bad one).
 */
export function readHash(hash: string): Page {
  const extras = useConfigStore.getState().loadHash(hash, APP_HASH_KEYS);
  const page = extras.page;
  if (page === undefined) return 'notebook';
  if (isPage(page)) return page;
  const problems = useConfigStore.getState().problems;
  useConfigStore.setState({
    problems: [
      ...problems,
      `Unknown page "${page.length > 40 ? `${page.slice(0, 39)}…` : page}" in the link; showing the notebook.`,
    ],
  });
  return 'notebook';
}

/** The hash for the current config and page. */
export function hashForState(page: Page = useUiStore.getState().page): string {
  return currentHash({ page });
}

function sameConfig(a: ModelConfig, b: ModelConfig): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Keeps the URL hash and the stores in step: the initial hash is read once; a changed config or
 * page rewrites the hash (a page change adds a history entry, a config change replaces it); a hash
 * edited by hand or reached with back/forward is read again, and `onConfig` is told when that
 * changed the config (so the engine can rebuild the model). Returns a function that stops it.
 */
export function startHashSync(onConfig: (config: ModelConfig) => void): () => void {
  useUiStore.getState().setPage(readHash(window.location.hash));
  let writing = false;
  const write = (push: boolean) => {
    const hash = hashForState();
    if (hash === window.location.hash) return;
    writing = true;
    if (push) window.history.pushState(null, '', hash);
    else window.history.replaceState(null, '', hash);
    writing = false;
  };
  const offConfig = useConfigStore.subscribe((s, prev) => {
    if (!writing && !sameConfig(s.config, prev.config)) write(false);
  });
  const offPage = useUiStore.subscribe((s, prev) => {
    if (!writing && s.page !== prev.page) write(true);
  });
  const onHashChange = () => {
    const before = useConfigStore.getState().config;
    writing = true;
    useUiStore.getState().setPage(readHash(window.location.hash));
    writing = false;
    const after = useConfigStore.getState().config;
    if (!sameConfig(before, after)) onConfig(after);
  };
  window.addEventListener('hashchange', onHashChange);
  window.addEventListener('popstate', onHashChange);
  return () => {
    offConfig();
    offPage();
    window.removeEventListener('hashchange', onHashChange);
    window.removeEventListener('popstate', onHashChange);
  };
}
