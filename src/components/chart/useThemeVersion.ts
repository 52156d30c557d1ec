import { useEffect, useState } from 'react';

/**
 * A number that changes when the colour scheme changes, so canvas views (which read CSS variables
 * once per draw) repaint in the new theme.
 */
export function useThemeVersion(): number {
  const [version, setVersion] = useState(0);
  useEffect(() => {
    if (typeof matchMedia !== 'function') return;
    const query = matchMedia('(prefers-color-scheme: dark)');
    const bump = () => setVersion((v) => v + 1);
    query.addEventListener('change', bump);
    return () => query.removeEventListener('change', bump);
  }, []);
  return version;
}

/** Reads a CSS custom property (e.g. '--fg') as computed on `el`, or `fallback` when unset. */
export function cssVar(el: Element, name: string, fallback: string): string {
  const value = getComputedStyle(el).getPropertyValue(name).trim();
  return value || fallback;
}
