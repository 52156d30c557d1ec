/**
 * `pkm experiment <name>`: reproduces one of the paper's findings at browser scale (every config
 * trained on the same data, seeds and steps), prints a table and checks the paper's claims.
 * `pkm experiment list` lists them; `pkm experiment report [name]` renders committed results as
 * the README's Markdown (without a name: the whole Results section, experiments not run yet included).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, platform, release } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXPERIMENT_NAMES, EXPERIMENTS, isExperimentName } from '../model/experiments/definitions';
import { MergeError, mergeSeedResults } from '../model/experiments/mergeSeeds';
import { resultsSection } from '../model/experiments/readmeSection';
import { markdownReport, plainReport } from '../model/experiments/report';
import { resultToJson } from '../model/experiments/resultJson';
import { parseExperimentResult } from '../model/experiments/results';
import { armConfigs, resolveScale, runExperiment } from '../model/experiments/runner';
import type { EnvironmentInfo, ExperimentResult } from '../model/experiments/types';
import { intOption, stringOption } from './args';
import { type CliCommand, type CommandResult, InputError, UsageError } from './command';
import { table } from './format';
import { startWasmBackend } from './tfBackend';

/** Where full results are committed. */
export const RESULTS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../experiments/results');

function gitState(): EnvironmentInfo['git'] {
  try {
    const cwd = dirname(fileURLToPath(import.meta.url));
    const git = (...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();
    return { commit: git('rev-parse', 'HEAD'), dirty: git('status', '--porcelain').length > 0 };
  } catch {
    return null;
  }
}

function host(): Omit<EnvironmentInfo, 'backend'> {
  const cores = cpus();
  return {
    machine: {
      cpu: cores[0]?.model.trim() ?? 'unknown',
      cores: cores.length,
      platform: `${platform()} ${release()}`,
      runtime: `node ${process.version}`,
    },
    git: gitState(),
  };
}

function parseSeeds(raw: string | undefined): number[] | undefined {
  if (raw === undefined) return undefined;
  const seeds = raw.split(',').map((s) => s.trim());
  if (seeds.length === 0 || seeds.some((s) => !/^\d+$/.test(s) || Number(s) > 2 ** 31 - 1)) {
    throw new UsageError(`--seeds must be a comma-separated list of integers ≥ 0 (got '${raw}')`);
  }
  return seeds.map(Number);
}

function listResult(): CommandResult {
  const rows = EXPERIMENT_NAMES.map((name) => {
    const def = EXPERIMENTS[name];
    const arms = armConfigs(def, resolveScale(def, 'full'), 1).map((a) => a.label);
    return { name, title: def.title, fullSteps: def.fullSteps, arms };
  });
  return {
    json: rows,
    text: table(
      ['experiment', 'full steps', 'configs', 'question'],
      rows.map((r) => [r.name, r.fullSteps, r.arms.join(' · '), r.title]),
    ),
  };
}

function readCommitted(name: string): ExperimentResult {
  const path = join(RESULTS_DIR, `${name}.json`);
  return readResultFile(path, `no committed result for '${name}' (${path}): run pkm experiment ${name}`);
}

/** A result file, parsed and checked; `missing` replaces the message when it cannot be read. */
function readResultFile(path: string, missing?: string): ExperimentResult {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new InputError(missing ?? `cannot read ${path}: ${(err as Error).message}`);
  }
  try {
    return parseExperimentResult(JSON.parse(text), path);
  } catch (err) {
    const message = (err as Error).message;
    throw new InputError(err instanceof SyntaxError ? `${path} is not valid JSON: ${message}` : message);
  }
}

/** Writes a result where a run would: --out, else (full runs only) the committed results. */
function writeResult(
  result: ExperimentResult,
  out: string | undefined,
  progress: (line: string) => void,
): void {
  const target = out ?? (result.mode === 'full' ? join(RESULTS_DIR, `${result.experiment}.json`) : undefined);
  if (!target) return;
  mkdirSync(dirname(resolve(target)), { recursive: true });
  writeFileSync(target, resultToJson(result));
  progress(`wrote ${target}`);
}

function mergeResult(
  paths: string[],
  out: string | undefined,
  progress: (line: string) => void,
): CommandResult {
  if (paths.length < 2) throw new UsageError('merge needs at least two result files');
  let merged: ExperimentResult;
  try {
    merged = mergeSeedResults(
      paths.map((p) => readResultFile(p)),
      paths,
    );
  } catch (err) {
    if (err instanceof MergeError) throw new InputError(`cannot merge: ${err.message}`);
    throw err;
  }
  writeResult(merged, out, progress);
  return { json: merged, text: plainReport(merged) };
}

function reportResult(name: string | undefined): CommandResult {
  if (name !== undefined && !isExperimentName(name)) {
    throw new UsageError(`unknown experiment '${name}' (experiments: ${EXPERIMENT_NAMES.join(', ')})`);
  }
  if (name) {
    const result = readCommitted(name);
    return { json: [result], text: markdownReport(result) };
  }
  // All of them: the README's Results section; one not run yet says so (a broken file is an error).
  const entries = EXPERIMENT_NAMES.map((n) => ({
    name: n,
    result: existsSync(join(RESULTS_DIR, `${n}.json`)) ? readCommitted(n) : null,
  }));
  return {
    json: entries.flatMap((e) => (e.result ? [e.result] : [])),
    text: resultsSection(entries),
  };
}

export const experimentCommand: CliCommand = {
  usage:
    '<name> | list | report [name] | merge <result.json>…  [--quick] [--steps N] [--seeds 1,2] [--out <file>] [--json]',
  positionals: 9,
  options: {
    quick: { type: 'boolean', description: 'tiny models, few steps: checks the machinery in minutes' },
    steps: { type: 'string', value: '<N>', description: 'training steps per config (overrides the preset)' },
    seeds: {
      type: 'string',
      value: '<list>',
      description: 'seeds, each config is trained once per seed (default 1; capacity: 1,2)',
    },
    out: { type: 'string', value: '<file>', description: 'write the full result JSON here' },
  },
  details: [
    `experiments: ${EXPERIMENT_NAMES.join(', ')}`,
    '',
    'A full run (no --quick, no --steps) writes experiments/results/<name>.json unless --out is given;',
    'quick and --steps runs write only with --out, so they never replace the committed results.',
    'Progress goes to stderr; stdout gets the table (or the whole result with --json).',
    "'report' prints the committed results as Markdown tables; without a name, the README's whole",
    'Results section (scripts/results-readme.ts writes it into README.md).',
    "'merge' joins runs of one experiment with different seeds, run side by side (one process per",
    'core, each with --seeds and --out), into one result: summaries over all seeds, claims judged again;',
    'written like a run (a full one to experiments/results/<name>.json unless --out is given).',
  ].join('\n'),
  async run(values, context): Promise<CommandResult> {
    const [name, second, ...rest] = context.positionals;
    if (name === undefined) {
      throw new UsageError(`missing experiment name (${EXPERIMENT_NAMES.join(', ')}, list, report or merge)`);
    }
    if (name === 'merge')
      return mergeResult(context.positionals.slice(1), stringOption(values, 'out'), context.progress);
    if (rest.length > 0) throw new UsageError(`unexpected argument '${rest[0]}'`);
    if (name === 'list' || name === 'report') {
      if (name === 'list' && second !== undefined) throw new UsageError(`unexpected argument '${second}'`);
      return name === 'list' ? listResult() : reportResult(second);
    }
    if (!isExperimentName(name)) {
      throw new UsageError(`unknown experiment '${name}' (experiments: ${EXPERIMENT_NAMES.join(', ')})`);
    }
    if (second !== undefined) throw new UsageError(`unexpected argument '${second}'`);
    const steps = intOption(values, 'steps', 1, 1_000_000);
    const seeds = parseSeeds(stringOption(values, 'seeds'));
    const quick = values.quick === true;
    const out = stringOption(values, 'out');
    await startWasmBackend();
    const result = await runExperiment(name, {
      scale: quick ? 'quick' : 'full',
      steps,
      seeds,
      host: host(),
      onProgress: context.progress,
    });
    writeResult(result, out, context.progress);
    context.progress(`done in ${(result.wallSeconds / 60).toFixed(1)} min`);
    return { json: result, text: plainReport(result) };
  },
};
