/**
 * Joins results of one experiment run with different seeds (e.g. one process per core) into the
 * result a single run over all those seeds would have written: every arm's runs side by side, its
 * summary over all of them, the claims judged again. Parts must agree on everything but the seed.
 */
import { getExperiment } from './definitions';
import { summariseRuns } from './runner';
import type { ArmResult, ExperimentResult } from './types';

export class MergeError extends Error {}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function checkArms(first: ExperimentResult, part: ExperimentResult, name: string): void {
  const labels = (r: ExperimentResult) => r.arms.map((a) => a.label);
  if (!same(labels(first), labels(part))) {
    throw new MergeError(`${name} has other configs (${labels(part).join(', ')}) than the first part`);
  }
  part.arms.forEach((arm, i) => {
    const other = first.arms[i];
    // The stored config carries the part's first seed; everything else must match.
    if (
      !same({ ...arm.config, seed: 0 }, { ...other.config, seed: 0 }) ||
      !same(arm.knowledge, other.knowledge)
    ) {
      throw new MergeError(`${name}: config '${arm.label}' differs from the first part's`);
    }
  });
}

/** `names` label the parts in messages (file names). */
export function mergeSeedResults(parts: ExperimentResult[], names?: string[]): ExperimentResult {
  if (parts.length < 2) throw new MergeError('merging needs at least two results');
  const label = (i: number) => names?.[i] ?? `part ${i + 1}`;
  const [first] = parts;
  const seen = new Set<number>();
  parts.forEach((part, i) => {
    const name = label(i);
    if (part.experiment !== first.experiment) {
      throw new MergeError(`${name} is experiment '${part.experiment}', not '${first.experiment}'`);
    }
    if (part.mode !== first.mode || !same(part.scale, first.scale)) {
      throw new MergeError(
        `${name} ran at another scale (${part.mode}, ${part.scale.steps} steps) than the first part`,
      );
    }
    if (!same(part.corpus, first.corpus)) throw new MergeError(`${name} trained on another corpus`);
    if (part.environment.git?.commit !== first.environment.git?.commit) {
      throw new MergeError(`${name} ran at another commit (${part.environment.git?.commit ?? 'unknown'})`);
    }
    if (part.environment.backend !== first.environment.backend) {
      throw new MergeError(
        `${name} ran on backend ${part.environment.backend}, not ${first.environment.backend}`,
      );
    }
    for (const seed of part.seeds) {
      if (seen.has(seed)) throw new MergeError(`seed ${seed} appears in more than one part (${name})`);
      seen.add(seed);
    }
    checkArms(first, part, name);
  });

  const arms: ArmResult[] = first.arms.map((arm, i) => {
    const runs = parts.flatMap((p) => p.arms[i].runs);
    return { ...arm, runs, summary: summariseRuns(runs) };
  });
  const git = first.environment.git;
  return {
    ...first,
    seeds: parts.flatMap((p) => p.seeds),
    environment: {
      ...first.environment,
      git: git ? { ...git, dirty: parts.some((p) => p.environment.git?.dirty) } : null,
    },
    startedAt: parts.map((p) => p.startedAt).sort()[0],
    // The parts ran side by side: the merged run took as long as its longest part.
    wallSeconds: Math.max(...parts.map((p) => p.wallSeconds)),
    arms,
    claims: getExperiment(first.experiment).claims(arms),
  };
}
