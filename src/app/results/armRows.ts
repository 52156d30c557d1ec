/**
 * The Results page's arm table: the same columns for every experiment (size, loss, perplexity,
 * memory statistics, speed) plus the experiment's own extra columns (recall, kl_u, …), and the
 * per-row verdict of the claims about that arm (report.ts's armVerdict, as in the CLI and README).
 */
import { getExperiment } from '../../model/experiments/definitions';
import { armVerdict } from '../../model/experiments/report';
import type { ArmResult, ExperimentResult, TableColumn } from '../../model/experiments/types';

export interface ArmCell {
  text: string;
  /** The number behind the text (null for text and missing values), for tests and sorting. */
  value: number | null;
}

export interface ArmRow {
  label: string;
  cells: ArmCell[];
  /** "yes" / "no" / "partly" / "-" (no claim names this arm). */
  verdict: string;
}

export interface ArmRowsTable {
  /** Header and a plain-words title per numeric column. */
  columns: { header: string; title: string }[];
  rows: ArmRow[];
}

interface PageColumn extends TableColumn {
  title: string;
  /** The header of the same quantity among an experiment's own columns (not shown twice). */
  same?: string;
  /** Shown only when some arm has a value (inference speed is timed by some experiments only). */
  optional?: boolean;
}

const PAGE_COLUMNS: PageColumn[] = [
  { header: 'params', title: 'trainable parameters', value: (a) => a.summary.params, digits: 0 },
  {
    header: 'val loss',
    title: 'cross-entropy on the fixed evaluation set, nats per byte',
    value: (a) => a.summary.loss,
    digits: 4,
  },
  { header: 'ppl', title: 'perplexity (e^loss)', value: (a) => a.summary.perplexity, digits: 3 },
  {
    header: 'usage',
    title: 'fraction of memory slots read at least once on the evaluation set',
    value: (a) => a.summary.usage,
    percent: true,
  },
  {
    header: 'KL',
    title: 'KL divergence of the slot weights to uniform (0 = perfectly even use)',
    value: (a) => a.summary.kl_w,
    digits: 3,
    same: 'kl_w',
  },
  {
    header: 'Gini',
    title: 'Gini coefficient of the slot weights (0 = even, 1 = one slot takes all)',
    value: (a) => a.summary.gini_w,
    digits: 3,
    same: 'gini_w',
  },
  {
    header: 'step ms',
    title: 'median wall time of one training step',
    value: (a) => a.summary.stepMs,
    digits: 0,
  },
  {
    header: 'tokens/s',
    title: 'inference speed: tokens per second of a batched eval-mode forward',
    value: (a) => a.summary.inferenceTokensPerSecond,
    digits: 0,
    optional: true,
  },
];

/** Plain words for the experiments' own column headers (shown as the header's tooltip). */
const EXTRA_TITLES: Record<string, string> = {
  'fact recall': 'held-out fact questions whose every answer byte is the top prediction',
  'surname recall': 'surname predicted from the first name at a line start',
  'answer loss': 'mean cross-entropy over the answer bytes of the fact questions',
  kl_u: 'KL divergence of the slot read counts to uniform',
  top90_w: 'number of most-used slots that carry 90% of the weight',
};

function formatValue(column: TableColumn, v: number | string | null): ArmCell {
  if (v === null || (typeof v === 'number' && !Number.isFinite(v))) return { text: '–', value: null };
  if (typeof v === 'string') return { text: v, value: null };
  if (column.percent) return { text: `${(100 * v).toFixed(1)}%`, value: v };
  const digits = column.digits ?? 3;
  return {
    text: v.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits }),
    value: v,
  };
}

/** The columns of this result: the page's (optional ones only when measured), then the experiment's own. */
function columnsFor(result: ExperimentResult): PageColumn[] {
  const own = getExperiment(result.experiment).columns;
  const covered = new Set(PAGE_COLUMNS.flatMap((c) => [c.header, c.same ?? c.header]));
  const page = PAGE_COLUMNS.filter(
    (c) => !c.optional || result.arms.some((a: ArmResult) => c.value(a) !== null),
  );
  const extra = own
    .filter((c) => !covered.has(c.header))
    .map((c) => ({ ...c, title: EXTRA_TITLES[c.header] ?? c.header }));
  return [...page, ...extra];
}

export function armRows(result: ExperimentResult): ArmRowsTable {
  const columns = columnsFor(result);
  return {
    columns: columns.map((c) => ({ header: c.header, title: c.title })),
    rows: result.arms.map((a) => ({
      label: a.label,
      cells: columns.map((c) => formatValue(c, c.value(a))),
      verdict: armVerdict(a.label, result.claims),
    })),
  };
}
