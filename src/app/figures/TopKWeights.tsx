import { formatInt, formatValue } from '../../components/chart/format';
import { categoryColor } from '../../components/chart/palette';
import type { HeadTrace } from '../../model/memory/types';

/**
 * The final top-k of one head: each selected slot (sub-key pair), its raw score and its softmax
 * weight as a bar. The weights sum to 1 over these k slots only.
 */
export function TopKWeights({
  head,
  headIndex,
  n_keys,
  onSelectSlot,
  selectedSlot,
}: {
  head: HeadTrace;
  headIndex: number;
  n_keys: number;
  onSelectSlot?: (slot: number) => void;
  selectedSlot?: number | null;
}) {
  const k = head.slots.length;
  const max = Math.max(1e-9, ...Array.from(head.weights));
  return (
    <figure className="pkm-figure topk" aria-label={`Top-k weights, head ${headIndex + 1}`}>
      <table className="topk__table">
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Slot (i, j)</th>
            <th scope="col" className="topk__num">
              Score
            </th>
            <th scope="col" className="topk__bar-col">
              Softmax weight
            </th>
          </tr>
        </thead>
        <tbody>
          {Array.from(head.slots, (slot, r) => (
            <tr key={slot} className={selectedSlot === slot ? 'is-selected' : undefined}>
              <td className="topk__rank">{r + 1}</td>
              <td>
                <button
                  type="button"
                  className="link-button"
                  onClick={() => onSelectSlot?.(slot)}
                  title="Inspect this slot"
                >
                  {formatInt(slot)} = ({head.rows[r]}, {head.cols[r]})
                </button>
              </td>
              <td className="topk__num">{formatValue(head.scores[r])}</td>
              <td className="topk__bar-col">
                <div className="topk__bar-cell">
                  <span className="topk__bar">
                    <span
                      className="topk__bar-fill"
                      style={{
                        width: `${(100 * head.weights[r]) / max}%`,
                        background: categoryColor(headIndex),
                      }}
                    />
                  </span>
                  <span className="topk__weight">{formatValue(head.weights[r])}</span>
                </div>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <figcaption className="figure-note">
        softmax over these {k} scores only: w<sub>r</sub> = exp(s<sub>r</sub>) / Σ exp(s) · slot id = i·
        {n_keys} + j
      </figcaption>
    </figure>
  );
}
