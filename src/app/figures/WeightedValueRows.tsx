import { formatInt } from '../../components/chart/format';
import { categoryColor } from '../../components/chart/palette';
import type { MemoryTrace } from '../../model/memory/types';
import { VectorStrip } from './VectorStrip';
import { weightedValueRows } from './weightedValueRows';

/**
 * The memory's read built up from its parts: the heaviest selected value rows, each scaled by its
 * softmax weight (w · v), the remaining rows summed into one strip, and their total Σ w · v.
 * Without memory+ that total is the memory's output; with it, the read the gate then scales.
 */
export function WeightedValueRows({
  trace,
  vDim,
  memPlus,
  top = 4,
}: {
  trace: MemoryTrace;
  vDim: number;
  memPlus: boolean;
  top?: number;
}) {
  const parts = weightedValueRows(trace, vDim, top);
  if (!parts) {
    return <p className="figure-note">This trace carries no value rows (made by an older version).</p>;
  }
  const rows = parts.rows.map((r) => ({
    name: `${r.weight.toFixed(3)} · v[${formatInt(r.slot)}] h${r.head + 1}`,
    values: r.weighted,
    color: categoryColor(r.head),
  }));
  if (parts.restCount > 0) {
    rows.push({ name: `+ ${parts.restCount} more rows`, values: parts.rest, color: 'var(--cat-7)' });
  }
  rows.push({
    name: memPlus ? '= Σ w·v (read)' : '= Σ w·v = output',
    values: parts.sum,
    color: 'var(--cat-3)',
  });
  return (
    <div className="weighted-values">
      <VectorStrip label="Weighted value rows" rows={rows} rowHeight={30} labelWidth={150} />
      <p className="figure-note">
        Each strip is a value row times its softmax weight; the strips add up, dimension by dimension, to the
        last one.{' '}
        {memPlus
          ? 'With memory+ this sum is then multiplied by the SiLU gate of the input and projected.'
          : 'That sum is the memory output shown above.'}
      </p>
    </div>
  );
}
