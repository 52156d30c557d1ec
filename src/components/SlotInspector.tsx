import { EmptyState } from './chart/EmptyState';
import { formatInt, formatValue } from './chart/format';
import { categoryColor } from './chart/palette';
import { visibleToken } from './TokenPicker';
import './chart/chart.css';
import './SlotInspector.css';

export interface SlotContext {
  /** Text before the token (a few tokens), the token, and text after it. */
  before: string;
  token: string;
  after: string;
  /** Softmax weight the slot received for this token. */
  weight: number;
  head?: number;
  /** Token position in the evaluation text. */
  position?: number;
}

export interface SlotInspectorProps {
  /** The inspected slot id, or null when none is selected. */
  slot: number | null;
  n_keys: number;
  /** The contexts that selected the slot, heaviest first (the component keeps the given order). */
  contexts: SlotContext[];
  /** Totals over the evaluation set, when known. */
  count?: number;
  weight?: number;
}

/** For one slot: the tokens of the evaluation text that selected it most, in context, with their weights. */
export function SlotInspector({ slot, n_keys, contexts, count, weight }: SlotInspectorProps) {
  if (slot === null) {
    return (
      <figure className="pkm-figure slot-inspector" aria-label="Slot inspector">
        <EmptyState kind="empty" message="Select a slot in the usage heat map or the product-key map." />
      </figure>
    );
  }
  if (!(Number.isInteger(slot) && slot >= 0 && slot < n_keys * n_keys)) {
    return (
      <figure className="pkm-figure slot-inspector" aria-label="Slot inspector">
        <EmptyState kind="invalid" message={`Slot ${slot} is outside 0–${n_keys * n_keys - 1}.`} />
      </figure>
    );
  }
  const row = Math.floor(slot / n_keys);
  const col = slot % n_keys;
  const wMax = Math.max(1e-12, ...contexts.map((c) => (Number.isFinite(c.weight) ? c.weight : 0)));
  return (
    <figure className="pkm-figure slot-inspector" aria-label={`Slot inspector, slot ${slot}`}>
      <div className="slot-inspector__header">
        <strong>Slot {formatInt(slot)}</strong> = ({row}, {col})
        <span className="slot-inspector__totals">
          {count !== undefined ? ` · selected ${formatInt(count)}×` : ''}
          {weight !== undefined ? ` · total weight ${formatValue(weight)}` : ''}
        </span>
      </div>
      {contexts.length === 0 ? (
        <EmptyState kind="empty" message="No token of the evaluation text selected this slot: it is dead." />
      ) : (
        <ol className="slot-inspector__list">
          {contexts.map((c, i) => (
            <li
              // biome-ignore lint/suspicious/noArrayIndexKey: the list is ranked; the same token can repeat
              key={i}
              className="slot-inspector__item"
            >
              <span className="slot-inspector__context">
                <span className="slot-inspector__before">{c.before.replace(/\n/g, '↵')}</span>
                <mark className="slot-inspector__token">{visibleToken(c.token)}</mark>
                <span className="slot-inspector__after">{c.after.replace(/\n/g, '↵')}</span>
              </span>
              <span className="slot-inspector__weight">
                <span
                  className="slot-inspector__bar"
                  style={{ width: `${Math.max(2, (Math.max(0, c.weight) / wMax) * 100)}%` }}
                />
              </span>
              <span className="slot-inspector__value">{formatValue(c.weight)}</span>
              {c.head !== undefined ? (
                <span className="slot-inspector__head" style={{ borderColor: categoryColor(c.head) }}>
                  head {c.head + 1}
                </span>
              ) : (
                <span />
              )}
            </li>
          ))}
        </ol>
      )}
    </figure>
  );
}
