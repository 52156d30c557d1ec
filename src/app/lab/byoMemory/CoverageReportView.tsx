import { useMemo } from 'react';
import { formatInt, formatMs, formatPercent, formatValue } from '../../../components/chart/format';
import { UsageHeatmap, type UsageSeries } from '../../../components/UsageHeatmap';
import type { CoverageReport } from '../../../engine/protocol';
import type { SlotMetrics } from '../../../model/metrics/memoryMetrics';
import { useUiStore } from '../../../state/uiStore';
import { downloadText, fileSlug } from '../common/download';
import { toCsv } from '../export/csv';
import { FigureExportMenu } from '../export/FigureExportMenu';

const DEAD_SHOWN = 120;

/** The coverage of an imported memory: heat map, per-head statistics and its dead slots. */
export function CoverageReportView({ report }: { report: CoverageReport }) {
  const theme = useUiStore((s) => s.theme);
  const { spec, metrics, dead } = report;
  const n = spec.n_keys;
  const series = useMemo<UsageSeries[]>(
    () => [
      { label: 'All heads', counts: report.counts.total, weights: report.weights.total },
      ...report.counts.perHead.map((counts, h) => ({
        label: `Head ${h + 1}`,
        counts,
        weights: report.weights.perHead[h],
      })),
    ],
    [report],
  );
  const rows: { label: string; m: SlotMetrics; dead: number }[] = [
    { label: 'All heads', m: metrics, dead: dead.total },
    ...metrics.per_head.map((m, h) => ({ label: `Head ${h + 1}`, m, dead: dead.perHead[h] })),
  ];
  const slug = fileSlug(report.name, 'memory');
  const shownDead = Array.from(dead.slots.subarray(0, DEAD_SHOWN));
  return (
    <section className="byo-report" aria-label={`Coverage of ${report.name}`}>
      <p className="byo-report__summary">
        <strong>{report.name}</strong> ({report.layout} layout{report.prefix ? ` at ${report.prefix}` : ''}):{' '}
        {spec.heads} head{spec.heads === 1 ? '' : 's'} × k {spec.knn} over {formatInt(n * n)} slots ({n}²,{' '}
        {spec.mem_keys} keys, k_dim {spec.k_dim}, query norm {spec.query_norm}) · {formatInt(report.inputs)}{' '}
        inputs of d_in {spec.d_in} · {formatMs(report.ms)} ms
      </p>
      <div className="byo-report__grid">
        <div className="figure-frame">
          <div className="figure-frame__head">
            <h3 className="figure-frame__title">Key coverage of the imported memory</h3>
            <FigureExportMenu title="Key coverage of the imported memory" />
          </div>
          <div className="figure-frame__body">
            <UsageHeatmap key={theme} n_keys={n} series={series} maxSize={380} defaultScale="log" />
          </div>
        </div>
        <div className="byo-report__stats">
          <div className="lab-table-wrap">
            <table className="lab-table">
              <caption className="lab-sr-only">Coverage statistics per head</caption>
              <thead>
                <tr>
                  <th scope="col">Scope</th>
                  <th scope="col">Usage</th>
                  <th scope="col">KL (w)</th>
                  <th scope="col">KL (u)</th>
                  <th scope="col">Gini</th>
                  <th scope="col">Top-50%</th>
                  <th scope="col">Top-90%</th>
                  <th scope="col">Top-99%</th>
                  <th scope="col">Dead</th>
                </tr>
              </thead>
              <tbody>
                {rows.map(({ label, m, dead: d }) => (
                  <tr key={label}>
                    <th scope="row">{label}</th>
                    <td>{formatPercent(m.usage)}</td>
                    <td>{formatValue(m.kl_w)}</td>
                    <td>{formatValue(m.kl_u)}</td>
                    <td>{formatValue(m.gini_w)}</td>
                    <td title={`${formatPercent(m.top50_w / m.slots)} of the slots`}>
                      {formatInt(m.top50_w)}
                    </td>
                    <td title={`${formatPercent(m.top90_w / m.slots)} of the slots`}>
                      {formatInt(m.top90_w)}
                    </td>
                    <td title={`${formatPercent(m.top99_w / m.slots)} of the slots`}>
                      {formatInt(m.top99_w)}
                    </td>
                    <td>{formatInt(d)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <p className="lab-muted">
            Top-P: how many of the most-used slots carry P% of the softmax weight. KL to uniform of the
            weights (w) and the selection counts (u); 0 is perfectly even use.
          </p>
          <h4 className="byo-report__dead-title">
            Dead slots: {formatInt(dead.total)} of {formatInt(n * n)} ({formatPercent(dead.total / (n * n))})
          </h4>
          {dead.total === 0 ? (
            <p className="lab-muted">Every slot was selected at least once by these inputs.</p>
          ) : (
            <>
              <p className="lab-muted">
                Never selected by any head; drawn in the heat map's “dead” colour. Slot (row, column):
              </p>
              <ul className="byo-dead" aria-label="Dead slots">
                {shownDead.map((s) => (
                  <li key={s}>
                    {s}{' '}
                    <span className="lab-muted">
                      ({Math.floor(s / n)}, {s % n})
                    </span>
                  </li>
                ))}
                {dead.total > DEAD_SHOWN ? (
                  <li className="lab-muted">… {formatInt(dead.total - DEAD_SHOWN)} more</li>
                ) : null}
              </ul>
            </>
          )}
          <div className="lab-actions">
            <button
              type="button"
              className="button button--small"
              onClick={() =>
                downloadText(
                  toCsv(
                    ['slot', 'row', 'col'],
                    Array.from(dead.slots, (s) => [s, Math.floor(s / n), s % n]),
                  ),
                  `${slug}-dead-slots.csv`,
                  'text/csv',
                )
              }
            >
              Dead slots (CSV)
            </button>
            <button
              type="button"
              className="button button--small"
              onClick={() =>
                downloadText(
                  toCsv(
                    [
                      'scope',
                      'usage',
                      'kl_w',
                      'kl_u',
                      'gini_w',
                      'gini_u',
                      'top50_w',
                      'top90_w',
                      'top99_w',
                      'dead',
                    ],
                    rows.map(({ label, m, dead: d }) => [
                      label,
                      m.usage,
                      m.kl_w,
                      m.kl_u,
                      m.gini_w,
                      m.gini_u,
                      m.top50_w,
                      m.top90_w,
                      m.top99_w,
                      d,
                    ]),
                  ),
                  `${slug}-coverage.csv`,
                  'text/csv',
                )
              }
            >
              Statistics (CSV)
            </button>
          </div>
        </div>
      </div>
    </section>
  );
}
