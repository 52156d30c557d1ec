/**
 * The README's Results section, generated from the committed results: a summary of every
 * experiment's verdicts, then one subsection per experiment (markdownReport's tables) or, for one
 * not run yet, the command that runs it. `spliceResultsSection` puts it into the README text.
 */
import { getExperiment } from './definitions';
import { markdownReport, renderMarkdown } from './report';
import type { ExperimentName, ExperimentResult } from './types';

export const RESULTS_HEADING = '## Results';

export interface CommittedEntry {
  name: ExperimentName;
  /** null: not run yet (no committed file). */
  result: ExperimentResult | null;
}

function verdicts(result: ExperimentResult): string {
  const n = (v: boolean | null) => result.claims.filter((c) => c.agrees === v).length;
  const parts = [`${n(true)} of ${result.claims.length} agree`];
  if (n(false) > 0) parts.push(`${n(false)} disagree`);
  if (n(null) > 0) parts.push(`${n(null)} undecided`);
  return parts.join(', ');
}

const command = (name: ExperimentName) => `npm run -s pkm -- experiment ${name}`;

export function resultsSection(entries: CommittedEntry[]): string {
  const summary = renderMarkdown({
    headers: ['experiment', 'question', "paper's claims"],
    rows: entries.map(({ name, result }) => [
      name,
      result?.title ?? getExperiment(name).title,
      result ? verdicts(result) : 'not run yet',
    ]),
    numeric: [false, false, false],
  });
  const parts = entries.map(({ name, result }) =>
    result
      ? markdownReport(result)
      : [
          `### ${getExperiment(name).title} (\`${name}\`)`,
          '',
          `Paper: ${getExperiment(name).expectation}`,
          '',
          `Not run yet: \`${command(name)}\` trains every config and writes experiments/results/${name}.json.`,
        ].join('\n'),
  );
  return [
    RESULTS_HEADING,
    '',
    "Each experiment trains every config on the same data, seeds and steps and checks the paper's claims " +
      'against the numbers (toy scale: where it disagrees, the notes say so). Generated from ' +
      'experiments/results/ by `npx tsx scripts/results-readme.ts`; the app’s Results page shows the same ' +
      'results with their loss curves.',
    '',
    summary,
    '',
    parts.join('\n\n'),
  ].join('\n');
}

/**
 * Replaces the README's Results section (from its heading to the next `## ` heading) with
 * `section`; without one, inserts it before `## Layout` (or at the end).
 */
export function spliceResultsSection(readme: string, section: string): string {
  const lines = readme.split('\n');
  const body = section.trimEnd().split('\n');
  const start = lines.findIndex((l) => l.trimEnd() === RESULTS_HEADING);
  if (start >= 0) {
    const next = lines.findIndex((l, i) => i > start && /^## /.test(l));
    const end = next < 0 ? lines.length : next;
    const tail = lines.slice(end);
    return [...lines.slice(0, start), ...body, ...(tail.length > 0 ? ['', ...tail] : [''])].join('\n');
  }
  const layout = lines.findIndex((l) => l.trimEnd() === '## Layout');
  if (layout < 0) return `${readme.trimEnd()}\n\n${body.join('\n')}\n`;
  return [...lines.slice(0, layout), ...body, '', ...lines.slice(layout)].join('\n');
}
