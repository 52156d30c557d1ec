import type { KeyboardEvent, MouseEvent, ReactNode } from 'react';

export interface PlotFocusProps {
  /** What the keys do, read by screen readers (e.g. "Arrow keys move the readout"). */
  label: string;
  onKeyDown: (e: KeyboardEvent<HTMLDivElement>) => void;
  /** Clicks on the figure (the keyboard equivalent is handled in onKeyDown). */
  onClick?: (e: MouseEvent<HTMLDivElement>) => void;
  children: ReactNode;
  className?: string;
}

/**
 * The focusable surface of a figure that handles its own keys (cursor, zoom, pan): an
 * application region, so screen readers pass the arrow keys through to it.
 */
export function PlotFocus({ label, onKeyDown, onClick, children, className }: PlotFocusProps) {
  return (
    <div
      className={className ? `pkm-plot ${className}` : 'pkm-plot'}
      role="application"
      aria-roledescription="interactive figure"
      aria-label={label}
      // biome-ignore lint/a11y/noNoninteractiveTabindex: an application region is a keyboard widget; it must take focus
      tabIndex={0}
      onKeyDown={onKeyDown}
      onClick={onClick}
    >
      {children}
    </div>
  );
}
