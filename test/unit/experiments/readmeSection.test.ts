import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main';
import { EXPERIMENT_NAMES } from '../../../src/model/experiments/definitions';
import {
  RESULTS_HEADING,
  resultsSection,
  spliceResultsSection,
} from '../../../src/model/experiments/readmeSection';
import { parseExperimentResult } from '../../../src/model/experiments/results';

const DIR = join(import.meta.dirname, '../../../experiments/results');
const committed = readdirSync(DIR).filter((f) => f.endsWith('.json'));
const entries = EXPERIMENT_NAMES.map((name) => {
  const path = join(DIR, `${name}.json`);
  return {
    name,
    result: existsSync(path) ? parseExperimentResult(JSON.parse(readFileSync(path, 'utf8')), path) : null,
  };
});

describe('the README Results section', () => {
  it('summarises every experiment, then one subsection each with per-row agreement', () => {
    const md = resultsSection(entries);
    expect(md.startsWith(`${RESULTS_HEADING}\n`)).toBe(true);
    const summary = md
      .split('\n')
      .filter((l) => /^\| [a-z][a-z-]* \| /.test(l) && !l.startsWith('| experiment'));
    expect(summary.slice(0, EXPERIMENT_NAMES.length).map((l) => l.split(' | ')[0].slice(2))).toEqual(
      EXPERIMENT_NAMES,
    );
    for (const { name, result } of entries) {
      expect(md.split('\n').some((l) => l.startsWith('### ') && l.endsWith(` (\`${name}\`)`))).toBe(true);
      if (result) {
        const agree = result.claims.filter((c) => c.agrees === true).length;
        expect(md).toContain(`${agree} of ${result.claims.length} agree`);
        expect(md).toContain('| agrees with paper |');
        for (const arm of result.arms) expect(md).toMatch(new RegExp(`\\| ${arm.label} \\| \\d+ \\|`));
      } else {
        expect(md).toContain(`Not run yet: \`npm run -s pkm -- experiment ${name}\``);
      }
    }
    expect(committed.length).toBe(entries.filter((e) => e.result).length);
  });

  it('replaces an existing section up to the next heading, and inserts one before Layout otherwise', () => {
    const section = `${RESULTS_HEADING}\n\nnew body`;
    const withOld = '# T\n\n## Tests\n\nx\n\n## Results\n\nold\n| a |\n\n## Layout\n\ny\n';
    expect(spliceResultsSection(withOld, section)).toBe(
      '# T\n\n## Tests\n\nx\n\n## Results\n\nnew body\n\n## Layout\n\ny\n',
    );
    const without = '# T\n\n## Tests\n\nx\n\n## Layout\n\ny\n';
    const inserted = spliceResultsSection(without, section);
    expect(inserted).toBe('# T\n\n## Tests\n\nx\n\n## Results\n\nnew body\n\n## Layout\n\ny\n');
    // Idempotent: splicing the same section again changes nothing.
    expect(spliceResultsSection(inserted, section)).toBe(inserted);
    expect(spliceResultsSection('# T\n\n## Results\n\nold\n', section)).toBe(
      '# T\n\n## Results\n\nnew body\n',
    );
    expect(spliceResultsSection('# T\n', section)).toBe('# T\n\n## Results\n\nnew body\n');
  });

  it('pkm experiment report prints it, experiments not run yet included', async () => {
    let stdout = '';
    const code = await main(['experiment', 'report'], {
      stdout: (t) => (stdout += t),
      stderr: () => {},
    });
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(resultsSection(entries).trim());
  });
});
