import { type KeyboardEvent, useRef } from 'react';
import { EmptyState } from './chart/EmptyState';
import { formatInt, formatValue } from './chart/format';
import { categoryColor } from './chart/palette';
import './chart/chart.css';
import './FactRecallList.css';

/** One memory slot a fact's answer read: which head, and the softmax weight it got. */
export interface FactSlot {
  head: number;
  slot: number;
  weight: number;
}

export interface RecallFact {
  /** Stable id (the probe's index). */
  id: number;
  /** The question in its held-out wording, e.g. "Kavo Ridel lives in ". */
  prompt: string;
  /** The true answer. */
  answer: string;
  /** What the model answered (greedy). */
  modelAnswer: string;
  recalled: boolean;
  /** The slots read where the model predicts the answer's first byte, heaviest first per head. */
  slots: FactSlot[];
}

export interface FactRecallListProps {
  facts: RecallFact[];
  /** Id of the fact whose slots are shown, or null. */
  selected: number | null;
  onSelect: (id: number) => void;
  /** The slot open elsewhere (e.g. in a slot inspector): marked in the slot list. */
  activeSlot?: number | null;
  onSlot?: (slot: number, head: number) => void;
}

/** The answer's text with its invisible characters shown (a trailing space, a newline). */
function shown(text: string): string {
  return text.replace(/\n/g, '↵').replace(/ $/, '␣');
}

/**
 * A list of facts asked in a wording never trained on, each recalled (✓) or not (✗), and for the
 * selected one the memory slots its answer read, each slot a button.
 */
export function FactRecallList({
  facts,
  selected,
  onSelect,
  activeSlot = null,
  onSlot,
}: FactRecallListProps) {
  const listRef = useRef<HTMLUListElement>(null);
  if (facts.length === 0) {
    return (
      <figure className="pkm-figure fact-recall" aria-label="Recalled facts">
        <EmptyState kind="empty" message="No facts were asked yet." />
      </figure>
    );
  }
  const recalled = facts.filter((f) => f.recalled).length;
  const current = facts.find((f) => f.id === selected) ?? null;

  // Arrow keys move the selection along the list (and the focus with it), as in a listbox.
  const onKeyDown = (e: KeyboardEvent) => {
    const at = facts.findIndex((f) => f.id === selected);
    let next: number | null = null;
    if (e.key === 'ArrowDown') next = Math.min(facts.length - 1, at + 1);
    else if (e.key === 'ArrowUp') next = Math.max(0, at - 1);
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = facts.length - 1;
    if (next === null) return;
    e.preventDefault();
    onSelect(facts[next].id);
    listRef.current?.querySelectorAll<HTMLButtonElement>('button')[next]?.focus();
  };

  return (
    <figure className="pkm-figure fact-recall" aria-label="Recalled facts">
      <p className="fact-recall__summary">
        <strong>{formatInt(recalled)}</strong> of {formatInt(facts.length)} facts recalled
      </p>
      <ul ref={listRef} className="fact-recall__list" aria-label="Facts asked" onKeyDown={onKeyDown}>
        {facts.map((f) => (
          <li key={f.id}>
            <button
              type="button"
              className="fact-recall__fact"
              aria-pressed={f.id === selected}
              onClick={() => onSelect(f.id)}
            >
              <span
                className={`fact-recall__mark fact-recall__mark--${f.recalled ? 'yes' : 'no'}`}
                role="img"
                aria-label={f.recalled ? 'recalled' : 'not recalled'}
              >
                {f.recalled ? '✓' : '✗'}
              </span>
              <span className="fact-recall__text">
                <span className="fact-recall__prompt">{shown(f.prompt)}</span>
                <span className="fact-recall__answer">{f.answer}</span>
                {f.recalled ? null : (
                  <span className="fact-recall__wrong">model: {shown(f.modelAnswer)}</span>
                )}
              </span>
            </button>
          </li>
        ))}
      </ul>
      {current ? <SlotsRead fact={current} activeSlot={activeSlot} onSlot={onSlot} /> : null}
    </figure>
  );
}

function SlotsRead({
  fact,
  activeSlot,
  onSlot,
}: {
  fact: RecallFact;
  activeSlot: number | null;
  onSlot?: (slot: number, head: number) => void;
}) {
  const most = Math.max(1e-12, ...fact.slots.map((s) => (Number.isFinite(s.weight) ? s.weight : 0)));
  return (
    <section className="fact-recall__slots" aria-label="Slots the answer read">
      <p className="fact-recall__slots-title">
        Slots read to answer <span className="fact-recall__prompt">{shown(fact.prompt)}</span>
        <span className="fact-recall__answer">{fact.recalled ? fact.answer : fact.modelAnswer}</span>
      </p>
      {fact.slots.length === 0 ? (
        <EmptyState kind="empty" message="This model has no memory layer to read." />
      ) : (
        <ol className="fact-recall__slot-list">
          {fact.slots.map((s) => (
            <li key={`${s.head}-${s.slot}`} className="fact-recall__slot">
              <span className="fact-recall__head" style={{ borderColor: categoryColor(s.head) }}>
                head {s.head + 1}
              </span>
              <button
                type="button"
                className="fact-recall__slot-button"
                aria-pressed={s.slot === activeSlot}
                aria-label={`Slot ${s.slot}, head ${s.head + 1}, weight ${formatValue(s.weight)}`}
                disabled={!onSlot}
                onClick={() => onSlot?.(s.slot, s.head)}
              >
                slot {formatInt(s.slot)}
              </button>
              <span className="fact-recall__weight">
                <span
                  className="fact-recall__bar"
                  style={{ width: `${Math.max(2, (Math.max(0, s.weight) / most) * 100)}%` }}
                />
              </span>
              <span className="fact-recall__value">{formatValue(s.weight)}</span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
