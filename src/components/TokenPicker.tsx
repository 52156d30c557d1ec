import { type KeyboardEvent, type MouseEvent, useEffect, useId, useRef } from 'react';
import { EmptyState } from './chart/EmptyState';
import './chart/chart.css';
import './TokenPicker.css';

export interface TokenPickerProps {
  /** The evaluation text as tokens (bytes or characters). */
  tokens: string[];
  /** Index of the picked token, or null for none. */
  value: number | null;
  onChange: (index: number) => void;
  /** Accessible name detail, e.g. "evaluation text". */
  label?: string;
}

/** How a token is shown: whitespace and control characters made visible. */
export function visibleToken(t: string): string {
  if (t === ' ') return '␣';
  if (t === '\n') return '↵';
  if (t === '\t') return '⇥';
  if (t === '') return '∅';
  const code = t.codePointAt(0) ?? 0;
  if (t.length === 1 && (code < 32 || code === 127)) return `\\x${code.toString(16).padStart(2, '0')}`;
  return t;
}

function describeToken(t: string): string {
  if (t === ' ') return 'space';
  if (t === '\n') return 'newline';
  if (t === '\t') return 'tab';
  return visibleToken(t);
}

/** A strip of the evaluation text where the user picks the token whose lookup is shown. */
export function TokenPicker({ tokens, value, onChange, label }: TokenPickerProps) {
  const base = useId();
  const listRef = useRef<HTMLDivElement>(null);
  const name = `Token picker${label ? `, ${label}` : ''}`;
  const current = value !== null && value >= 0 && value < tokens.length ? value : null;

  useEffect(() => {
    if (current === null) return;
    // Scroll the strip only: scrollIntoView would also scroll the page to the picker.
    const list = listRef.current;
    const el = list?.querySelector(`[data-index="${current}"]`);
    if (!list || !el) return;
    const box = list.getBoundingClientRect();
    const r = el.getBoundingClientRect();
    if (r.top < box.top) list.scrollTop -= box.top - r.top;
    else if (r.bottom > box.bottom) list.scrollTop += r.bottom - box.bottom;
  }, [current]);

  if (tokens.length === 0) {
    return (
      <section className="token-picker token-picker--empty" aria-label={name}>
        <EmptyState kind="empty" message="No evaluation text to pick a token from." />
      </section>
    );
  }

  const onKeyDown = (e: KeyboardEvent) => {
    const last = tokens.length - 1;
    const at = current ?? -1;
    let next: number | null = null;
    if (e.key === 'ArrowRight' || e.key === 'ArrowDown') next = Math.min(last, at + 1);
    else if (e.key === 'ArrowLeft' || e.key === 'ArrowUp') next = Math.max(0, at < 0 ? 0 : at - 1);
    else if (e.key === 'PageDown') next = Math.min(last, Math.max(0, at) + 10);
    else if (e.key === 'PageUp') next = Math.max(0, at - 10);
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = last;
    if (next !== null) {
      e.preventDefault();
      if (next !== current) onChange(next);
    }
  };
  const onClick = (e: MouseEvent) => {
    const el = (e.target as Element).closest('[data-index]');
    // Focus stays on the listbox (options are tracked with aria-activedescendant).
    listRef.current?.focus();
    if (el) onChange(Number(el.getAttribute('data-index')));
  };

  return (
    <div
      ref={listRef}
      className="token-picker"
      role="listbox"
      aria-label={name}
      aria-orientation="horizontal"
      aria-activedescendant={current !== null ? `${base}-${current}` : undefined}
      tabIndex={0}
      onKeyDown={onKeyDown}
      onClick={onClick}
    >
      {tokens.map((t, i) => (
        <span
          // biome-ignore lint/suspicious/noArrayIndexKey: tokens are positional and repeat
          key={i}
          id={`${base}-${i}`}
          role="option"
          tabIndex={-1}
          aria-selected={i === current}
          aria-label={`${describeToken(t)}, position ${i}`}
          data-index={i}
          className={`token-picker__token${t.trim() === '' ? ' token-picker__token--space' : ''}${t === '\n' ? ' token-picker__token--newline' : ''}`}
        >
          {visibleToken(t)}
        </span>
      ))}
    </div>
  );
}
