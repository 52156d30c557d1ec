import { useEffect } from 'react';
import { useUiStore } from '../../state/uiStore';
import { useEngine } from '../EngineContext';
import { handleShortcut } from './keyboard';
import { resetRun, stepOnce, toggleTraining } from './runControls';

/** Puts the theme choice on <html data-theme> (absent = follow the system). */
export function useThemeAttribute(): void {
  const theme = useUiStore((s) => s.theme);
  useEffect(() => {
    const root = document.documentElement;
    if (theme === 'system') root.removeAttribute('data-theme');
    else root.setAttribute('data-theme', theme);
  }, [theme]);
}

/** Space, s, r and ? anywhere on the page (see keyboard.ts for what is left to the focused control). */
export function useShortcuts(): void {
  const engine = useEngine();
  useEffect(() => {
    const onKeyDown = (e: KeyboardEvent) => {
      const ui = useUiStore.getState();
      const handled = handleShortcut(e, {
        toggleTraining: () => void toggleTraining(engine),
        step: () => void stepOnce(engine),
        reset: () => void resetRun(engine),
        toggleHelp: () => ui.setHelpOpen(!ui.helpOpen),
        closeHelp: () => ui.setHelpOpen(false),
      });
      if (handled) e.preventDefault();
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, [engine]);
}

/**
 * The theme actually in force ('light' or 'dark'), for canvas figures that read CSS colours once
 * per paint and must repaint when it changes.
 */
export function useResolvedTheme(): 'light' | 'dark' {
  const theme = useUiStore((s) => s.theme);
  const systemDark = typeof matchMedia === 'function' && matchMedia('(prefers-color-scheme: dark)').matches;
  return theme === 'system' ? (systemDark ? 'dark' : 'light') : theme;
}
