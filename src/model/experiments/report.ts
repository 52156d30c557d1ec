/**
 * An experiment result as tables: one row per arm (common columns, the experiment's own, and the
 * verdict of the claims about that row) and one row per claim. Plain strings, so the CLI, the
 * README and the app's Results page all show the same numbers.
 */
import { getExperiment } from './definitions';
import { resultCorpusText } from './resultCorpus';
import type { ArmResult, Claim, ExperimentResult, TableColumn } from './types';

export interface TextTable {
  headers: string[];
  rows: string[][];
  /** Per column: numbers are right-aligned. */
  numeric: boolean[];
}

const COMMON_COLUMNS: TableColumn[] = [
  { header: 'params', value: (a) => a.summary.params, digits: 0 },
  { header: 'val loss', value: (a) => a.summary.loss, digits: 4 },
  { header: 'ppl', value: (a) => a.summary.perplexity, digits: 3 },
];

function cell(column: TableColumn, arm: ArmResult): string {
  const v = column.value(arm);
  if (v === null || (typeof v === 'number' && !Number.isFinite(v))) return '-';
  if (typeof v === 'string') return v;
  if (column.percent) return `${(100 * v).toFixed(1)}%`;
  return v.toFixed(column.digits ?? 3);
}

export function verdictText(agrees: boolean | null): string {
  return agrees === null ? 'undecided' : agrees ? 'yes' : 'no';
}

/** "yes" / "no" / "partly" over the claims naming this arm; "-" when none does. */
export function armVerdict(label: string, claims: Claim[]): string {
  const about = claims.filter((c) => c.arms.includes(label) && c.agrees !== null);
  if (about.length === 0) return '-';
  const yes = about.filter((c) => c.agrees).length;
  return yes === about.length ? 'yes' : yes === 0 ? 'no' : 'partly';
}

export function armTable(result: ExperimentResult): TextTable {
  const columns = [...COMMON_COLUMNS, ...getExperiment(result.experiment).columns];
  return {
    headers: ['config', ...columns.map((c) => c.header), 'agrees with paper'],
    rows: result.arms.map((a) => [
      a.label,
      ...columns.map((c) => cell(c, a)),
      armVerdict(a.label, result.claims),
    ]),
    numeric: [false, ...columns.map(() => true), false],
  };
}

export function claimTable(result: ExperimentResult): TextTable {
  return {
    headers: ['claim', 'paper', 'observed', 'agrees'],
    rows: result.claims.map((c) => [c.statement, c.paper, c.observed, verdictText(c.agrees)]),
    numeric: [false, false, false, false],
  };
}

/** Columns padded to their widest cell. */
export function renderPlain(t: TextTable): string {
  const all = [t.headers, ...t.rows];
  const widths = t.headers.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  return all
    .map((r) =>
      r
        .map((c, i) => (t.numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i])))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function renderMarkdown(t: TextTable): string {
  const escapePipes = (c: string) => c.replace(/\|/g, '\\|');
  return [
    `| ${t.headers.map(escapePipes).join(' | ')} |`,
    `| ${t.numeric.map((n) => (n ? '---:' : '---')).join(' | ')} |`,
    ...t.rows.map((r) => `| ${r.map(escapePipes).join(' | ')} |`),
  ].join('\n');
}

function budgetLine(result: ExperimentResult): string {
  const { scale, environment: env } = result;
  const minutes = (result.wallSeconds / 60).toFixed(1);
  const git = env.git ? `${env.git.commit.slice(0, 10)}${env.git.dirty ? ' (dirty tree)' : ''}` : 'unknown';
  const tokens = result.arms[0]?.runs[0]?.final.evalTokens ?? 0;
  return (
    `${scale.steps} steps per config, seed${result.seeds.length > 1 ? 's' : ''} ${result.seeds.join(', ')}, ` +
    `${tokens.toLocaleString('en')} evaluation tokens; ${env.backend} on ${env.machine.cores} × ` +
    `${env.machine.cpu}; wall ${minutes} min; commit ${git}; mode ${result.mode}`
  );
}

/** The readable report the CLI prints. */
export function plainReport(result: ExperimentResult): string {
  const notes = result.claims.filter((c) => c.note).map((c) => `note (${c.id}): ${c.note}`);
  return [
    `${result.experiment}: ${result.title}`,
    budgetLine(result),
    `data: ${resultCorpusText(result)}`,
    '',
    renderPlain(armTable(result)),
    '',
    renderPlain(claimTable(result)),
    ...(notes.length > 0 ? ['', ...notes] : []),
  ].join('\n');
}

/** One experiment as a README subsection. */
export function markdownReport(result: ExperimentResult): string {
  const notes = result.claims.filter((c) => c.note).map((c) => `- ${c.statement}: ${c.note}.`);
  return [
    `### ${result.title} (\`${result.experiment}\`)`,
    '',
    `Paper: ${result.expectation}`,
    '',
    `Run: ${budgetLine(result)}.`,
    '',
    `Data: ${resultCorpusText(result)}.`,
    '',
    renderMarkdown(armTable(result)),
    '',
    renderMarkdown(claimTable(result)),
    ...(notes.length > 0 ? ['', ...notes] : []),
  ].join('\n');
}
