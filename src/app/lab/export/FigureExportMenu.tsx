import { useEffect, useRef, useState } from 'react';
import { useRunDataStore } from '../../../state/runDataStore';
import { downloadBlob, fileSlug } from '../common/download';
import { errorMessage } from '../common/errors';
import { type FigureFormat, figureBlob } from './figureExport';

/** File name of a figure: pkm-<title>-step-<n>.<ext>. */
export function figureFileName(
  title: string,
  format: FigureFormat,
  step = useRunDataStore.getState().data.step,
) {
  return `pkm-${fileSlug(title)}${step > 0 ? `-step-${step}` : ''}.${format}`;
}

/** The data tag of a figure ("live · step 40"), used as the exported figure's subtitle. */
function subtitleOf(frame: HTMLElement): string {
  return frame.querySelector('.figure-frame__head .data-tag')?.textContent?.trim() ?? '';
}

/** Exports one figure (the .figure-frame around `from`) and downloads it. */
export async function exportFigure(frame: HTMLElement, title: string, format: FigureFormat): Promise<void> {
  const blob = await figureBlob(frame, format, title, subtitleOf(frame));
  downloadBlob(blob, figureFileName(title, format));
}

/** A small menu in a figure's head: download the figure as PNG or SVG. */
export function FigureExportMenu({ title }: { title: string }) {
  const ref = useRef<HTMLDetailsElement>(null);
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // A click elsewhere closes the menu.
  useEffect(() => {
    if (!open) return;
    const close = (e: PointerEvent) => {
      if (ref.current && !ref.current.contains(e.target as Node)) ref.current.open = false;
    };
    document.addEventListener('pointerdown', close);
    return () => document.removeEventListener('pointerdown', close);
  }, [open]);
  const run = async (format: FigureFormat) => {
    const frame = ref.current?.closest<HTMLElement>('.figure-frame');
    if (!frame) return;
    setBusy(true);
    setError(null);
    try {
      await exportFigure(frame, title, format);
      if (ref.current) ref.current.open = false;
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <details
      ref={ref}
      className="figure-export"
      onToggle={(e) => {
        setOpen(e.currentTarget.open);
        if (!e.currentTarget.open) setError(null);
      }}
      onKeyDown={(e) => {
        if (e.key === 'Escape' && ref.current?.open) {
          ref.current.open = false;
          ref.current.querySelector('summary')?.focus();
        }
      }}
    >
      <summary
        className="figure-export__button"
        aria-label={`Export figure: ${title}`}
        title="Export this figure"
      >
        <svg width="14" height="14" viewBox="0 0 16 16" aria-hidden="true">
          <path
            d="M8 2v8m0 0 3-3m-3 3L5 7M3 12v2h10v-2"
            fill="none"
            stroke="currentColor"
            strokeWidth="1.6"
          />
        </svg>
      </summary>
      <div className="figure-export__menu">
        <button type="button" className="figure-export__item" disabled={busy} onClick={() => void run('png')}>
          PNG image
        </button>
        <button type="button" className="figure-export__item" disabled={busy} onClick={() => void run('svg')}>
          SVG vector
        </button>
        {error ? (
          <p className="figure-export__error" role="alert">
            {error}
          </p>
        ) : null}
      </div>
    </details>
  );
}

/** What FigureFrame renders in each figure's head (see figureHeadTools). */
export function figureExportTools(title: string) {
  return <FigureExportMenu title={title} />;
}
