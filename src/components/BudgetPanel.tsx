import { scaleLog } from 'd3';
import { useMemo } from 'react';
import { compareBudgets } from '../model/budget';
import type { QueryNorm } from '../model/config';
import { EmptyState } from './chart/EmptyState';
import { formatCount, formatInt } from './chart/format';
import { useElementWidth } from './chart/useElementWidth';
import './chart/chart.css';
import './BudgetPanel.css';

export interface BudgetPanelProps {
  d_model: number;
  n_keys: number;
  knn: number;
  heads: number;
  k_dim: number;
  /** 0 means d_model. */
  v_dim: number;
  query_norm?: QueryNorm;
}

interface Row {
  key: 'product' | 'flat' | 'dense';
  name: string;
  detail: string;
  params: number;
  macs: number;
  scores: number | null;
}

/** Parameters and per-token multiply-adds of product keys, flat keys and a dense FFN of equal size. */
export function BudgetPanel(props: BudgetPanelProps) {
  const [ref, width] = useElementWidth<HTMLElement>();
  const result = useMemo(() => {
    try {
      return { ok: true as const, c: compareBudgets(props) };
    } catch (e) {
      return { ok: false as const, message: (e as Error).message };
    }
  }, [props]);
  if (!result.ok) {
    return (
      <figure ref={ref} className="pkm-figure budget" aria-label="Budget panel">
        <EmptyState kind="invalid" message={result.message} />
      </figure>
    );
  }
  const { product, flat, dense } = result.c;
  const rows: Row[] = [
    {
      key: 'product',
      name: 'Product keys',
      detail: `${formatInt(product.slots)} slots, 2×${formatInt(props.n_keys)} sub-keys`,
      params: product.params.total,
      macs: product.macs.total,
      scores: product.scoresPerToken,
    },
    {
      key: 'flat',
      name: 'Flat keys',
      detail: `${formatInt(flat.slots)} full keys, exhaustive search`,
      params: flat.params.total,
      macs: flat.macs.total,
      scores: flat.scoresPerToken,
    },
    {
      key: 'dense',
      name: 'Dense FFN',
      detail: `hidden ${formatInt(dense.hidden)}, same parameters as product keys`,
      params: dense.params,
      macs: dense.macs,
      scores: null,
    },
  ];
  const chartW = Math.max(140, Math.min(360, (width - 24) / 2));
  return (
    <figure ref={ref} className="pkm-figure budget" aria-label="Budget panel">
      <table className="budget__table">
        <thead>
          <tr>
            <th scope="col">Layer</th>
            <th scope="col">Parameters</th>
            <th scope="col">Multiply-adds / token</th>
            <th scope="col">Key scores / token</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.key} data-row={r.key}>
              <th scope="row">
                {r.name}
                <span className="budget__detail">{r.detail}</span>
              </th>
              <td data-col="params" title={formatInt(r.params)}>
                {formatCount(r.params)}
              </td>
              <td data-col="macs" title={formatInt(r.macs)}>
                {formatCount(r.macs)}
              </td>
              <td data-col="scores">{r.scores === null ? '—' : formatInt(r.scores)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="budget__charts">
        <BudgetBars title="Parameters" rows={rows} value={(r) => r.params} width={chartW} />
        <BudgetBars title="Multiply-adds per token (log)" rows={rows} value={(r) => r.macs} width={chartW} />
      </div>
      <p className="budget__note">
        Flat keys score {formatInt(flat.scoresPerToken / product.scoresPerToken)}× as many keys per token as
        product keys; the dense FFN with the same parameters costs{' '}
        {formatInt(dense.macs / product.macs.total)}× their multiply-adds.
      </p>
    </figure>
  );
}

function BudgetBars({
  title,
  rows,
  value,
  width,
}: {
  title: string;
  rows: Row[];
  value: (r: Row) => number;
  width: number;
}) {
  const max = Math.max(...rows.map(value));
  const min = Math.min(...rows.map(value));
  const labelW = 92;
  const x = scaleLog()
    .domain([Math.max(1, min / 4), Math.max(2, max)])
    .range([0, Math.max(40, width - labelW - 52)]);
  return (
    <svg className="budget__bars" width={width} height={rows.length * 20 + 20} aria-hidden="true">
      <text className="pkm-axis-title" x={0} y={11}>
        {title}
      </text>
      {rows.map((r, i) => (
        <g key={r.key} transform={`translate(0,${18 + i * 20})`}>
          <text x={0} y={8} dy="0.32em" className="budget__bar-label">
            {r.name}
          </text>
          <rect
            className={`budget__bar budget__bar--${r.key}`}
            x={labelW}
            y={1}
            width={Math.max(1, x(value(r)))}
            height={14}
          />
          <text x={labelW + x(value(r)) + 4} y={8} dy="0.32em" className="budget__bar-value">
            {formatCount(value(r))}
          </text>
        </g>
      ))}
    </svg>
  );
}
