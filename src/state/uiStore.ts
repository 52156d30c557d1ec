import { create } from 'zustand';

export const PAGES = ['notebook', 'lab', 'results'] as const;
export type Page = (typeof PAGES)[number];
export type ThemeChoice = 'system' | 'light' | 'dark';

export function isPage(value: unknown): value is Page {
  return typeof value === 'string' && (PAGES as readonly string[]).includes(value);
}

export interface UiState {
  page: Page;
  theme: ThemeChoice;
  helpOpen: boolean;
  /** Slow (teaching) mode: one step every `slowMs`. */
  slow: boolean;
  slowMs: number;
  /** Pause was asked for and the engine has not answered yet (a WebGPU step can take seconds). */
  pausing: boolean;
  setPage(page: Page): void;
  setTheme(theme: ThemeChoice): void;
  setHelpOpen(open: boolean): void;
  setSlow(slow: boolean, slowMs?: number): void;
  setPausing(pausing: boolean): void;
}

const THEME_KEY = 'pkm-explorer.theme';

function storedTheme(): ThemeChoice {
  try {
    const v = globalThis.localStorage?.getItem(THEME_KEY);
    return v === 'light' || v === 'dark' ? v : 'system';
  } catch {
    return 'system';
  }
}

export const useUiStore = create<UiState>()((set) => ({
  page: 'notebook',
  theme: storedTheme(),
  helpOpen: false,
  slow: false,
  slowMs: 500,
  pausing: false,
  setPage(page) {
    set({ page });
  },
  setTheme(theme) {
    try {
      if (theme === 'system') globalThis.localStorage?.removeItem(THEME_KEY);
      else globalThis.localStorage?.setItem(THEME_KEY, theme);
    } catch {
      // Storage can be unavailable (private mode): the choice then lasts for this page only.
    }
    set({ theme });
  },
  setHelpOpen(helpOpen) {
    set({ helpOpen });
  },
  setSlow(slow, slowMs) {
    set((s) => ({ slow, slowMs: slowMs === undefined ? s.slowMs : Math.max(50, Math.min(60_000, slowMs)) }));
  },
  setPausing(pausing) {
    set({ pausing });
  },
}));
