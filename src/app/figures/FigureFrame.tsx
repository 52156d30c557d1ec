import type { ReactNode } from 'react';
import { useEngineStore } from '../../state/engineStore';
import { useRunDataStore } from '../../state/runDataStore';

/** Says where a figure's data comes from: the precomputed run, or the live model at its step. */
export function DataTag() {
  const source = useRunDataStore((s) => s.data.source);
  const step = useRunDataStore((s) => s.data.step);
  const state = useEngineStore((s) => s.state);
  if (source === 'precomputed') {
    return <span className="data-tag data-tag--pre">precomputed · step {step}</span>;
  }
  if (source === 'live') {
    return (
      <span
        className={`data-tag data-tag--live${state === 'running' || state === 'slow' ? ' is-training' : ''}`}
      >
        live · step {step}
      </span>
    );
  }
  return <span className="data-tag">warming up…</span>;
}

/** Controls shown in every figure's head, set once by the lab's export feature (null: none). */
export const figureHeadTools: { render: ((title: string) => ReactNode) | null } = { render: null };

/**
 * A figure's card: a title, the data tag, optional controls, and the figure in a box that keeps a
 * minimum height so the page does not jump when data arrives.
 */
export function FigureFrame({
  title,
  controls,
  children,
  minHeight,
  note,
  className,
  tools,
}: {
  title: string;
  controls?: ReactNode;
  children: ReactNode;
  minHeight?: number;
  note?: ReactNode;
  className?: string;
  /** Replaces the registered head tools (figureHeadTools) for this figure; null shows none. */
  tools?: ReactNode;
}) {
  return (
    <div className={`figure-frame${className ? ` ${className}` : ''}`}>
      <div className="figure-frame__head">
        <h3 className="figure-frame__title">{title}</h3>
        <DataTag />
        {tools === undefined ? figureHeadTools.render?.(title) : tools}
      </div>
      {controls ? <div className="figure-frame__controls">{controls}</div> : null}
      <div className="figure-frame__body" style={minHeight ? { minHeight } : undefined}>
        {children}
      </div>
      {note ? <p className="figure-frame__note">{note}</p> : null}
    </div>
  );
}

/** What a figure shows while there is no data for it yet. */
export function Waiting({ children }: { children: ReactNode }) {
  return <div className="waiting">{children}</div>;
}
