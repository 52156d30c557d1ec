import { EmptyState } from './chart/EmptyState';
import { formatInt, formatPercent, formatValue } from './chart/format';
import { Sparkline } from './chart/Sparkline';
import './chart/chart.css';
import './CoverageStats.css';

/** The memory metrics of one evaluation (XLM's evaluator), at a training step. */
export interface CoverageSnapshot {
  step: number;
  /** Fraction of slots with weight > 0, in [0, 1]. */
  usage: number;
  /** KL divergence to uniform of the weights and of the counts (0 = perfectly even). */
  kl_w: number;
  kl_u?: number;
  gini: number;
  /** How many of the most-used slots carry 50 / 90 / 99% of the weight. */
  top50: number;
  top90: number;
  top99: number;
}

export interface CoverageStatsProps {
  /** Snapshots in step order; the last is the current value. */
  history: CoverageSnapshot[];
  /** Number of slots (n_keys²), for the top-P fractions. */
  slots: number;
  /** Detail for the accessible name, e.g. "layer 3". */
  label?: string;
  /** The set the metrics are over, shown with Usage, e.g. "on the validation set". */
  over?: string;
}

type MetricKey = 'usage' | 'kl_w' | 'gini' | 'top50' | 'top90' | 'top99';

const METRICS: { key: MetricKey; title: string; better: 'higher' | 'lower'; help: string }[] = [
  { key: 'usage', title: 'Usage', better: 'higher', help: 'slots that received any weight' },
  { key: 'kl_w', title: 'KL to uniform', better: 'lower', help: 'of the weights; 0 = even' },
  { key: 'gini', title: 'Gini', better: 'lower', help: 'inequality of the weights; 0 = even' },
  { key: 'top50', title: 'Top-50%', better: 'higher', help: 'slots carrying half the weight' },
  { key: 'top90', title: 'Top-90%', better: 'higher', help: 'slots carrying 90% of the weight' },
  { key: 'top99', title: 'Top-99%', better: 'higher', help: 'slots carrying 99% of the weight' },
];

function formatMetric(key: MetricKey, v: number): string {
  if (!Number.isFinite(v)) return '—';
  if (key === 'usage') return formatPercent(v);
  if (key.startsWith('top')) return formatInt(v);
  return formatValue(v);
}

/** Usage %, KL, Gini and top-50/90/99, each with its history as a sparkline. */
export function CoverageStats({ history, slots, label, over }: CoverageStatsProps) {
  const name = `Coverage stats${label ? `, ${label}` : ''}`;
  if (history.length === 0) {
    return (
      <figure className="pkm-figure coverage-stats" aria-label={name}>
        <EmptyState
          kind="empty"
          message="No coverage measured yet: it is computed on the evaluation set during training."
        />
      </figure>
    );
  }
  const steps = history.map((h) => h.step);
  const current = history[history.length - 1];
  return (
    <figure className="pkm-figure coverage-stats" aria-label={name}>
      <div className="coverage-stats__grid">
        {METRICS.map((m) => {
          const values = history.map((h) => h[m.key]);
          const v = current[m.key];
          const first = history.find((h) => Number.isFinite(h[m.key]));
          const fmt = (x: number) => formatMetric(m.key, x);
          return (
            <section key={m.key} className="coverage-stats__card" aria-label={m.title} data-metric={m.key}>
              <div className="coverage-stats__title">
                {m.title}
                <span className="coverage-stats__better" title={`${m.better} is better`}>
                  {m.better === 'higher' ? '↑' : '↓'} better
                </span>
              </div>
              <output className="coverage-stats__value" aria-label={`${m.title} now`}>
                {fmt(v)}
                {m.key.startsWith('top') && Number.isFinite(v) ? (
                  <span className="coverage-stats__unit"> slots · {formatPercent(v / slots)}</span>
                ) : null}
              </output>
              <Sparkline
                x={steps}
                y={values}
                label={`${m.title} history: ${first ? `${fmt(first[m.key])} at step ${formatInt(first.step)}` : 'no value'} to ${fmt(v)} at step ${formatInt(current.step)}`}
              />
              <div className="coverage-stats__help">
                {m.help}
                {m.key === 'usage' && over ? ` ${over}` : ''}
                {m.key === 'kl_w' && current.kl_u !== undefined
                  ? ` · of the counts: ${formatValue(current.kl_u)}`
                  : ''}
              </div>
            </section>
          );
        })}
      </div>
      <div className="coverage-stats__footer">
        {formatInt(slots)} slots · {history.length} evaluation{history.length === 1 ? '' : 's'} · step{' '}
        {formatInt(current.step)}
      </div>
    </figure>
  );
}
