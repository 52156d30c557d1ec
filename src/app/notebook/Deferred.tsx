import { type ReactNode, useEffect, useState } from 'react';

/**
 * Renders its children one frame after the first paint, holding `minHeight` until then: the first
 * screen of the notebook paints without waiting for the figures further down.
 */
export function Deferred({ children, minHeight }: { children: ReactNode; minHeight: number }) {
  const [ready, setReady] = useState(false);
  useEffect(() => {
    // Two frames: the first paint happens between them.
    let second = 0;
    const first = requestAnimationFrame(() => {
      second = requestAnimationFrame(() => setReady(true));
    });
    return () => {
      cancelAnimationFrame(first);
      cancelAnimationFrame(second);
    };
  }, []);
  return ready ? children : <div style={{ minHeight }} aria-hidden="true" />;
}
