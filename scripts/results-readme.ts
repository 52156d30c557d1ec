/**
 * Regenerates README.md's Results section from the committed results in experiments/results/
 * (the same Markdown as `npm run -s pkm -- experiment report`): replaces the section from its
 * `## Results` heading to the next `## ` heading, or inserts it before `## Layout`.
 *
 *   npx tsx scripts/results-readme.ts           write README.md
 *   npx tsx scripts/results-readme.ts --check   exit 1 when README.md is out of date (writes nothing)
 *
 * A committed file that does not parse stops it with the file's problem; a missing one is listed
 * as not run yet.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { EXPERIMENT_NAMES } from '../src/model/experiments/definitions';
import { resultsSection, spliceResultsSection } from '../src/model/experiments/readmeSection';
import { parseExperimentResult } from '../src/model/experiments/results';
import type { ExperimentName, ExperimentResult } from '../src/model/experiments/types';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { check: { type: 'boolean', default: false } } });

function load(name: ExperimentName): ExperimentResult | null {
  const path = join(root, 'experiments/results', `${name}.json`);
  return existsSync(path) ? parseExperimentResult(JSON.parse(readFileSync(path, 'utf8')), path) : null;
}

let entries: { name: ExperimentName; result: ExperimentResult | null }[];
try {
  entries = EXPERIMENT_NAMES.map((name) => ({ name, result: load(name) }));
} catch (err) {
  console.error(`results-readme: ${(err as Error).message}`);
  process.exit(1);
}
const readmePath = join(root, 'README.md');
const before = readFileSync(readmePath, 'utf8');
const after = spliceResultsSection(before, resultsSection(entries));
const run = entries.filter((e) => e.result).length;
if (values.check) {
  if (after !== before) {
    console.error(
      'results-readme: README.md’s Results section is out of date (run npx tsx scripts/results-readme.ts)',
    );
    process.exit(1);
  }
  console.log(`results-readme: README.md is up to date (${run} of ${entries.length} experiments run)`);
} else if (after === before) {
  console.log('results-readme: README.md already up to date');
} else {
  writeFileSync(readmePath, after);
  console.log(
    `results-readme: wrote the Results section of README.md (${run} of ${entries.length} experiments run)`,
  );
}
