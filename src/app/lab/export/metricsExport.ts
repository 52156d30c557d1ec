/**
 * The run's numbers as files: the latest evaluation's metrics per memory layer and head, the loss
 * history (training loss of every step with the validation loss where there was one), the usage
 * maps, and everything together as JSON. Pure functions of the stores' values.
 */
import type { EvalReport, LayerUsage } from '../../../engine/protocol';
import type { ModelConfig } from '../../../model/config';
import type { SlotMetrics } from '../../../model/metrics/memoryMetrics';
import type { LossHistory } from '../../../state/lossHistory';
import type { LayerCoverage, ValPoint } from '../../../state/runData';
import { type Cell, toCsv } from './csv';

const SLOT_METRICS: (keyof SlotMetrics)[] = [
  'slots',
  'usage',
  'kl_w',
  'kl_u',
  'gini_w',
  'gini_u',
  'top50_w',
  'top90_w',
  'top99_w',
  'top50_u',
  'top90_u',
  'top99_u',
];

export const METRICS_HEADER = [
  'step',
  'val_loss',
  'perplexity',
  'bits_per_byte',
  'layer',
  'head',
  'tokens',
  ...SLOT_METRICS,
] as const;

/**
 * One row per memory layer and head ('all' = the whole memory, then heads 1…H); a model without
 * memory gets one row with the loss only.
 */
export function evalMetricsRows(report: EvalReport): Cell[][] {
  const base: Cell[] = [report.step, report.loss, report.perplexity, report.bitsPerByte];
  if (report.memories.length === 0) return [[...base, '', '', report.tokens, ...SLOT_METRICS.map(() => '')]];
  const rows: Cell[][] = [];
  for (const { layer, metrics } of report.memories) {
    const row = (head: Cell, m: SlotMetrics) => [
      ...base,
      layer,
      head,
      metrics.tokens,
      ...SLOT_METRICS.map((k) => m[k]),
    ];
    rows.push(row('all', metrics));
    metrics.per_head.forEach((m, h) => {
      rows.push(row(h + 1, m));
    });
  }
  return rows;
}

export function evalMetricsCsv(report: EvalReport): string {
  return toCsv(METRICS_HEADER, evalMetricsRows(report));
}

/** Every step's training loss, and the validation loss on the steps that had one. */
export function lossHistoryRows(losses: LossHistory, val: readonly ValPoint[]): Cell[][] {
  const valAt = new Map(val.map((v) => [v.step, v.loss]));
  const rows: Cell[][] = [];
  const seen = new Set<number>();
  for (let i = 0; i < losses.length; i++) {
    const step = losses.steps[i];
    seen.add(step);
    rows.push([step, losses.loss[i], valAt.get(step)]);
  }
  // Validation points without a training loss (step 0, or steps from before a restart).
  for (const v of val) if (!seen.has(v.step)) rows.push([v.step, null, v.loss]);
  rows.sort((a, b) => (a[0] as number) - (b[0] as number));
  return rows;
}

export function lossHistoryCsv(losses: LossHistory, val: readonly ValPoint[]): string {
  return toCsv(['step', 'train_loss', 'val_loss'], lossHistoryRows(losses, val));
}

/** One row per layer, head ('all' then 1…H) and slot, with its grid cell, count and weight. */
export function* usageRows(usage: readonly LayerUsage[]): Generator<Cell[]> {
  for (const u of usage) {
    const n = Math.round(Math.sqrt(u.slots));
    const maps: [Cell, ArrayLike<number>, ArrayLike<number>][] = [
      ['all', u.counts.total, u.weights.total],
      ...u.counts.perHead.map((c, h): [Cell, ArrayLike<number>, ArrayLike<number>] => [
        h + 1,
        c,
        u.weights.perHead[h],
      ]),
    ];
    for (const [head, counts, weights] of maps) {
      for (let s = 0; s < u.slots; s++) {
        yield [u.layer, head, s, Math.floor(s / n), s % n, counts[s], weights[s]];
      }
    }
  }
}

export function usageCsv(usage: readonly LayerUsage[]): string {
  return toCsv(['layer', 'head', 'slot', 'row', 'col', 'count', 'weight'], usageRows(usage));
}

/** Typed arrays as plain arrays and non-finite numbers as null, so JSON keeps every value. */
function plain(value: unknown): unknown {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    return Array.from(value as unknown as ArrayLike<number>, (v) => (Number.isFinite(v) ? v : null));
  }
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

export interface RunExport {
  config: ModelConfig | null;
  step: number;
  eval: EvalReport | null;
  losses: LossHistory;
  val: readonly ValPoint[];
  coverage: readonly LayerCoverage[];
  usage: readonly LayerUsage[] | null;
}

/** The latest evaluation's metrics as JSON (null when there was none yet). */
export function evalMetricsJson(report: EvalReport | null): string {
  return `${JSON.stringify(plain({ format: 'pkm-explorer-metrics/1', eval: report }), null, 2)}\n`;
}

/** Everything the figures show, as one JSON document. */
export function runJson(run: RunExport, exportedAt = new Date()): string {
  const doc = {
    format: 'pkm-explorer-run/1',
    exportedAt: exportedAt.toISOString(),
    config: run.config,
    step: run.step,
    eval: run.eval,
    loss: {
      steps: run.losses.steps.subarray(0, run.losses.length),
      train: run.losses.loss.subarray(0, run.losses.length),
    },
    validation: run.val,
    coverage: run.coverage,
    usage: run.usage,
  };
  return `${JSON.stringify(plain(doc))}\n`;
}
