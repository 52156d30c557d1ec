/**
 * The committed experiment results as the Results page shows them: one entry per experiment in
 * the canonical order, each either a validated result, a file that could not be read (its error),
 * or not run yet. Pure: the caller passes the imported JSON modules (Vite's import.meta.glob in
 * the app, plain objects in Node tests).
 */
import { EXPERIMENT_NAMES, isExperimentName } from '../../model/experiments/definitions';
import { parseExperimentResult } from '../../model/experiments/results';
import type { ExperimentName, ExperimentResult } from '../../model/experiments/types';

export type ResultEntry =
  | { status: 'ok'; name: ExperimentName; source: string; result: ExperimentResult }
  | { status: 'error'; name: ExperimentName; source: string; message: string }
  | { status: 'missing'; name: ExperimentName };

/** A file in the results folder that names no experiment (shown as an error, never dropped silently). */
export interface StrayFile {
  source: string;
  message: string;
}

export interface CommittedResults {
  /** Every experiment, in EXPERIMENT_NAMES order. */
  entries: ResultEntry[];
  strays: StrayFile[];
}

/** The file name without folder and `.json`: "/experiments/results/query-norm.json" → "query-norm". */
export function fileStem(path: string): string {
  return (path.split('/').pop() ?? path).replace(/\.json$/i, '');
}

/** A glob module is the JSON itself (`import: 'default'`) or a namespace with a default export. */
function jsonOf(module: unknown): unknown {
  if (typeof module === 'object' && module !== null && 'default' in module && !('schema' in module)) {
    return (module as { default: unknown }).default;
  }
  return module;
}

/**
 * Validates every module (keyed by its path) and lays the results out in the canonical order.
 * A malformed file becomes an error entry for its experiment; the others are unaffected.
 */
export function collectResults(modules: Record<string, unknown>): CommittedResults {
  const found = new Map<ExperimentName, ResultEntry>();
  const strays: StrayFile[] = [];
  for (const [path, module] of Object.entries(modules).sort(([a], [b]) => a.localeCompare(b))) {
    const stem = fileStem(path);
    const source = path.replace(/^\//, '');
    if (!isExperimentName(stem)) {
      strays.push({
        source,
        message: `${source} names no experiment (expected one of ${EXPERIMENT_NAMES.join(', ')})`,
      });
      continue;
    }
    try {
      const result = parseExperimentResult(jsonOf(module), source);
      if (result.experiment !== stem) {
        throw new Error(`${source} holds the result of '${result.experiment}', not of '${stem}'`);
      }
      found.set(stem, { status: 'ok', name: stem, source, result });
    } catch (err) {
      found.set(stem, { status: 'error', name: stem, source, message: (err as Error).message });
    }
  }
  return {
    entries: EXPERIMENT_NAMES.map((name) => found.get(name) ?? { status: 'missing', name }),
    strays,
  };
}

export interface VerdictCounts {
  agrees: number;
  disagrees: number;
  undecided: number;
}

export function verdictCounts(result: ExperimentResult): VerdictCounts {
  const counts: VerdictCounts = { agrees: 0, disagrees: 0, undecided: 0 };
  for (const c of result.claims) {
    if (c.agrees === null) counts.undecided++;
    else if (c.agrees) counts.agrees++;
    else counts.disagrees++;
  }
  return counts;
}

/** The command that runs an experiment at full scale and writes its committed JSON. */
export function runCommand(name: ExperimentName): string {
  return `npm run -s pkm -- experiment ${name}`;
}

/** The element id of an experiment's section (scrolled to from the summary; never a URL hash). */
export function sectionId(name: ExperimentName): string {
  return `results-${name}`;
}

export interface CurvePoints {
  steps: number[];
  loss: number[];
}

/**
 * An arm's validation curve, averaged over its seeds at the steps every seed recorded (one seed:
 * its curve as is).
 */
export function meanValidationCurve(result: ExperimentResult, armLabel: string): CurvePoints {
  const arm = result.arms.find((a) => a.label === armLabel);
  if (!arm) throw new Error(`no arm labelled '${armLabel}' in ${result.experiment}`);
  const sums = new Map<number, { total: number; count: number }>();
  for (const run of arm.runs) {
    for (const [step, loss] of run.validationCurve) {
      const s = sums.get(step) ?? { total: 0, count: 0 };
      s.total += loss;
      s.count++;
      sums.set(step, s);
    }
  }
  const steps = [...sums.entries()]
    .filter(([, s]) => s.count === arm.runs.length)
    .map(([step]) => step)
    .sort((a, b) => a - b);
  return {
    steps,
    loss: steps.map((step) => {
      const s = sums.get(step)!;
      return s.total / s.count;
    }),
  };
}

/** The footer facts of a run: budget, seeds, backend, machine, wall time, commit, mode. */
export function runFacts(result: ExperimentResult): string[] {
  const { scale, environment: env } = result;
  const m = env.machine;
  const git = env.git
    ? `commit ${env.git.commit.slice(0, 10)}${env.git.dirty ? ' (dirty tree)' : ''}`
    : 'commit unknown';
  const tokens = result.arms[0]?.runs[0]?.final.evalTokens;
  return [
    `${scale.steps.toLocaleString('en')} steps per config`,
    `seed${result.seeds.length > 1 ? 's' : ''} ${result.seeds.join(', ')}`,
    ...(tokens ? [`${tokens.toLocaleString('en')} evaluation tokens`] : []),
    `${env.backend} backend`,
    `${m.cores} × ${m.cpu}, ${m.platform}, ${m.runtime}`,
    `wall ${(result.wallSeconds / 60).toFixed(1)} min`,
    git,
    `mode ${result.mode}`,
  ];
}
