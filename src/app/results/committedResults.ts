/**
 * The full experiment results committed under experiments/results/, bundled at build time (a
 * file added there appears after the next build; one that is missing shows as "not run yet").
 */
import { type CommittedResults, collectResults } from './resultEntries';

const modules: Record<string, unknown> = import.meta.glob('/experiments/results/*.json', {
  eager: true,
  import: 'default',
});

export const COMMITTED_RESULTS: CommittedResults = collectResults(modules);
