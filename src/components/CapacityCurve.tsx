import { line, type ScaleContinuousNumeric, scaleLinear, scaleLog, symbol, symbolsFill } from 'd3';
import { useId, useMemo } from 'react';
import { Axis } from './chart/Axis';
import { EmptyState } from './chart/EmptyState';
import { formatInt, formatPercent } from './chart/format';
import { categoryColor } from './chart/palette';
import { useElementWidth } from './chart/useElementWidth';
import './chart/chart.css';
import './CapacityCurve.css';

export interface CapacityPoint {
  /** Facts the model was trained to store. */
  facts: number;
  /** Fact recall (0–1) of each seed, in seed order; null or NaN where a seed has no value. */
  recall: readonly (number | null)[];
}

export interface CapacitySeries {
  /** e.g. "no memory", "64² slots". */
  label: string;
  points: readonly CapacityPoint[];
}

export interface CapacityCurveProps {
  series: readonly CapacitySeries[];
  /** Recall of a uniform guess (0–1), drawn as a dashed line. */
  chance?: number;
  /** The seeds behind the recall values, in order (named in the data table). */
  seeds?: readonly number[];
  height?: number;
  /** Detail for the accessible name. */
  label?: string;
}

const M = { top: 14, right: 16, bottom: 40, left: 46 };
/** Horizontal offset between series at one fact count, so their seed dots do not hide each other. */
const DODGE = 6;
const RECALL_TICKS: number[] = [0, 0.25, 0.5, 0.75, 1];

interface DrawnPoint {
  facts: number;
  seeds: (number | null)[];
  /** Mean over the seeds that have a value; null when none has. */
  mean: number | null;
}

const known = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v);

function meanOf(values: (number | null)[]): number | null {
  const ok = values.filter(known);
  return ok.length > 0 ? ok.reduce((s, v) => s + v, 0) / ok.length : null;
}

type Checked =
  | { problem: { kind: 'empty' | 'invalid'; message: string } }
  | { problem: null; lines: DrawnPoint[][]; facts: number[]; missing: number };

function check(series: readonly CapacitySeries[]): Checked {
  const lines: DrawnPoint[][] = [];
  let values = 0;
  let missing = 0;
  for (const s of series) {
    const points: DrawnPoint[] = [];
    for (const p of [...s.points].sort((a, b) => a.facts - b.facts)) {
      if (!(Number.isFinite(p.facts) && p.facts > 0)) {
        return { problem: { kind: 'invalid', message: `${s.label}: ${p.facts} is not a number of facts.` } };
      }
      const seeds = p.recall.map((v) => (known(v) ? v : null));
      const outside = seeds.find((v) => v !== null && (v < 0 || v > 1));
      if (outside !== undefined) {
        return {
          problem: {
            kind: 'invalid',
            message: `${s.label} at ${formatInt(p.facts)} facts: recall ${outside} is not a fraction from 0 to 1.`,
          },
        };
      }
      values += seeds.filter(known).length;
      missing += seeds.length - seeds.filter(known).length;
      points.push({ facts: p.facts, seeds, mean: meanOf(seeds) });
    }
    lines.push(points);
  }
  if (values === 0) return { problem: { kind: 'empty', message: 'No fact recall measured yet.' } };
  const facts = [...new Set(lines.flat().map((p) => p.facts))].sort((a, b) => a - b);
  return { problem: null, lines, facts, missing };
}

/** Mean markers: one shape per series as well as one colour, so the lines differ without colour. */
function markerPath(i: number): string {
  return symbol(symbolsFill[i % symbolsFill.length], 64)() ?? '';
}

/** The x position of a fact count: log scale (100, 300, 900 fall evenly), one count in the middle. */
function factScale(facts: number[], innerW: number): (f: number) => number {
  const pad = Math.min(32, innerW / 6);
  if (facts.length === 1) return () => innerW / 2;
  const x = scaleLog()
    .domain([facts[0], facts[facts.length - 1]])
    .range([pad, innerW - pad]);
  return (f) => x(f);
}

/** "seed 1 48.0%, seed 2 56.0%" (without seed names: "48.0%, 56.0%"). */
function seedsText(seeds: (number | null)[], seedNames?: readonly number[]): string {
  return seeds
    .map((v, i) => {
      const value = v === null ? '–' : formatPercent(v);
      return seedNames?.[i] === undefined ? value : `seed ${seedNames[i]} ${value}`;
    })
    .join(', ');
}

/**
 * Fact recall against the number of facts stored: one line per series (memory size) through the
 * mean over seeds (a marker shape per series), each seed's value as a ring, a dashed line at chance,
 * and a data table of every value.
 */
export function CapacityCurve({ series, chance, seeds, height = 260, label }: CapacityCurveProps) {
  const [ref, width] = useElementWidth<HTMLElement>();
  const titleId = useId();
  const descId = useId();
  const checked = useMemo(() => check(series), [series]);
  const innerW = Math.max(120, width - M.left - M.right);
  const innerH = height - M.top - M.bottom;
  const name = `Capacity curve${label ? `, ${label}` : ''}`;

  if (checked.problem) {
    return (
      <figure ref={ref} className="pkm-figure capacity-curve" aria-label={name}>
        <EmptyState {...checked.problem} />
      </figure>
    );
  }
  const { lines, facts, missing } = checked;
  const xAt = factScale(facts, innerW);
  const y: ScaleContinuousNumeric<number, number> = scaleLinear().domain([0, 1]).range([innerH, 0]);
  const dodge = (i: number) => (i - (lines.length - 1) / 2) * DODGE;
  const factsText = facts.map(formatInt).join(', ');
  const chanceText = known(chance) ? `; a uniform guess recalls ${formatPercent(chance)}` : '';

  return (
    <figure ref={ref} className="pkm-figure capacity-curve" aria-label={name}>
      <ul className="pkm-legend capacity-curve__legend" aria-label="Memory sizes">
        {series.map((s, i) => (
          <li key={s.label}>
            <svg width={24} height={12} aria-hidden="true" style={{ color: categoryColor(i) }}>
              <line x1={0} x2={24} y1={6} y2={6} className="capacity-curve__key-line" />
              <path
                d={markerPath(i)}
                transform="translate(12,6) scale(0.8)"
                className="capacity-curve__mean"
              />
            </svg>
            {s.label}
          </li>
        ))}
        <li>
          <svg width={12} height={12} aria-hidden="true">
            <circle cx={6} cy={6} r={2.75} className="capacity-curve__key-seed" />
          </svg>
          one seed
        </li>
        {known(chance) ? (
          <li>
            <svg width={24} height={12} aria-hidden="true">
              <line x1={0} x2={24} y1={6} y2={6} className="capacity-curve__chance" />
            </svg>
            chance {formatPercent(chance)}
          </li>
        ) : null}
      </ul>
      <svg width={width} height={height} role="img" aria-labelledby={titleId} aria-describedby={descId}>
        <title id={titleId}>{name}</title>
        <desc id={descId}>
          {`Fact recall from 0 to 100% against ${factsText} facts stored, one line per memory size (${series
            .map((s) => s.label)
            .join(
              ', ',
            )}) through the mean over seeds, a dot per seed${chanceText}. The data table below lists every value.`}
        </desc>
        <g transform={`translate(${M.left},${M.top})`}>
          <Axis
            scale={y}
            orient="left"
            tickValues={RECALL_TICKS}
            tickFormat={(v) => formatPercent(Number(v), 0)}
            gridSize={innerW}
          />
          <g className="pkm-axis" transform={`translate(0,${innerH})`}>
            <line x1={0} x2={innerW} y1={0} y2={0} className="capacity-curve__baseline" />
            {facts.map((f) => (
              <g key={f} transform={`translate(${xAt(f)},0)`}>
                <line y1={0} y2={6} className="capacity-curve__tick" />
                <text y={18} textAnchor="middle">
                  {formatInt(f)}
                </text>
              </g>
            ))}
          </g>
          <text className="pkm-axis-title" x={innerW / 2} y={innerH + 34} textAnchor="middle">
            facts stored
          </text>
          <text
            className="pkm-axis-title"
            transform={`translate(-36,${innerH / 2}) rotate(-90)`}
            textAnchor="middle"
          >
            fact recall
          </text>
          {known(chance) ? (
            <line x1={0} x2={innerW} y1={y(chance)} y2={y(chance)} className="capacity-curve__chance" />
          ) : null}
          {lines.map((points, i) => {
            const dx = dodge(i);
            const d = line<DrawnPoint>()
              .defined((p) => p.mean !== null)
              .x((p) => xAt(p.facts) + dx)
              .y((p) => y(p.mean ?? 0))(points);
            return (
              <g
                key={series[i].label}
                className="capacity-curve__series"
                data-series={series[i].label}
                style={{ color: categoryColor(i) }}
              >
                <path d={d ?? ''} className="capacity-curve__line" />
                {points.map((p) =>
                  p.mean === null ? null : (
                    <path
                      key={p.facts}
                      d={markerPath(i)}
                      transform={`translate(${xAt(p.facts) + dx},${y(p.mean)})`}
                      className="capacity-curve__mean"
                    >
                      <title>{`${series[i].label}, ${formatInt(p.facts)} facts: ${formatPercent(p.mean)} (${seedsText(p.seeds, seeds)})`}</title>
                    </path>
                  ),
                )}
                {points.flatMap((p) =>
                  p.seeds.map((v, s) =>
                    v === null ? null : (
                      <circle
                        // biome-ignore lint/suspicious/noArrayIndexKey: seeds are positional
                        key={`${p.facts}:${s}`}
                        cx={xAt(p.facts) + dx}
                        cy={y(v)}
                        r={2.75}
                        className="capacity-curve__seed"
                      />
                    ),
                  ),
                )}
              </g>
            );
          })}
        </g>
      </svg>
      {missing > 0 ? (
        <p className="capacity-curve__note">
          {missing} seed value{missing === 1 ? ' is' : 's are'} missing: not drawn, and the means take the
          seeds that were measured.
        </p>
      ) : null}
      <DataTable series={series} lines={lines} facts={facts} seeds={seeds} name={name} />
    </figure>
  );
}

function DataTable({
  series,
  lines,
  facts,
  seeds,
  name,
}: {
  series: readonly CapacitySeries[];
  lines: DrawnPoint[][];
  facts: number[];
  seeds?: readonly number[];
  name: string;
}) {
  return (
    <details className="capacity-curve__data">
      <summary>Data table</summary>
      <div className="capacity-curve__table-wrap">
        <table aria-label={`${name}: values`}>
          <caption>
            Fact recall: the mean over {seeds && seeds.length > 0 ? `seeds ${seeds.join(', ')}` : 'seeds'},
            each seed’s value below it in seed order.
          </caption>
          <thead>
            <tr>
              <th scope="col">memory</th>
              {facts.map((f) => (
                <th key={f} scope="col" className="num">
                  {formatInt(f)} facts
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {lines.map((points, i) => (
              <tr key={series[i].label}>
                <th scope="row">{series[i].label}</th>
                {facts.map((f) => {
                  const p = points.find((q) => q.facts === f);
                  return (
                    <td key={f} className="num">
                      {p?.mean == null ? '–' : formatPercent(p.mean)}
                      {p && p.seeds.length > 1 ? (
                        <span className="capacity-curve__seeds">{seedsText(p.seeds)}</span>
                      ) : null}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </details>
  );
}
