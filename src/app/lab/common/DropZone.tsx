import { type DragEvent, type ReactNode, useId, useRef, useState } from 'react';

/**
 * Where a file goes: dropped on the zone, or chosen with its button (keyboard users tab to the
 * button). Only the first of several dropped files is taken.
 */
export function DropZone({
  label,
  accept,
  onFile,
  disabled = false,
  hint,
  current,
  compact = false,
}: {
  /** What to drop, e.g. "Drop a text file". */
  label: string;
  /** The file input's accept list, e.g. ".txt,text/plain". */
  accept?: string;
  onFile: (file: File) => void;
  disabled?: boolean;
  hint?: ReactNode;
  /** The file chosen so far (shown in the zone). */
  current?: ReactNode;
  compact?: boolean;
}) {
  const input = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);
  const hintId = useId();
  const take = (files: FileList | null) => {
    const file = files?.[0];
    if (file && !disabled) onFile(file);
  };
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    take(e.dataTransfer.files);
  };
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: the drop target is for pointers; its button is the keyboard path
    <div
      className={`lab-drop${over ? ' is-over' : ''}${disabled ? ' is-disabled' : ''}${compact ? ' lab-drop--compact' : ''}`}
      onDragOver={(e) => {
        e.preventDefault();
        e.dataTransfer.dropEffect = disabled ? 'none' : 'copy';
        if (!disabled) setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={onDrop}
    >
      <div className="lab-drop__text">
        <span className="lab-drop__label">{label}</span>
        {current ? <span className="lab-drop__current">{current}</span> : null}
        {hint ? (
          <span id={hintId} className="lab-drop__hint">
            {hint}
          </span>
        ) : null}
      </div>
      <button
        type="button"
        className="button button--small"
        disabled={disabled}
        aria-describedby={hint ? hintId : undefined}
        onClick={() => input.current?.click()}
      >
        Choose file…
      </button>
      <input
        ref={input}
        type="file"
        accept={accept}
        hidden
        tabIndex={-1}
        aria-label={label}
        onChange={(e) => {
          take(e.target.files);
          // Choosing the same file again must fire again.
          e.target.value = '';
        }}
      />
    </div>
  );
}

/** A labelled progress bar (determinate when `total` > 0). */
export function Progress({ label, done, total }: { label: string; done: number; total: number }) {
  return (
    <div className="lab-progress">
      <span className="lab-progress__label">{label}</span>
      <progress aria-label={label} max={total > 0 ? total : undefined} value={total > 0 ? done : undefined} />
    </div>
  );
}

/** A message after an action: an error (announced) or a success note. */
export function Message({ kind, children }: { kind: 'error' | 'ok' | 'info'; children: ReactNode }) {
  return (
    <p className={`lab-msg lab-msg--${kind}`} role={kind === 'error' ? 'alert' : 'status'}>
      {children}
    </p>
  );
}
