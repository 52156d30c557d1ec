import { type ReactNode, useEffect, useState } from 'react';

/**
 * Renders its children `frame` animation frames after the first paint (1 = the frame right after
 * it), holding `minHeight` until then: the first screen of the notebook (header, title, loss) paints
 * without waiting for the figures below it, and the sections then mount one per frame so the page
 * stays responsive.
 */
export function Deferred({
  children,
  minHeight,
  frame = 1,
}: {
  children: ReactNode;
  minHeight: number;
  frame?: number;
}) {
  const [ready, setReady] = useState(false);
  useEffect(() => {
    let id = 0;
    let left = frame + 1;
    const tick = () => {
      left -= 1;
      if (left <= 0) setReady(true);
      else id = requestAnimationFrame(tick);
    };
    id = requestAnimationFrame(tick);
    return () => cancelAnimationFrame(id);
  }, [frame]);
  return ready ? children : <div style={{ minHeight }} aria-hidden="true" />;
}
