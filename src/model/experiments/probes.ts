/** Recall probes of the knowledge corpus: its fact questions and "first name → surname". */
import { generateKnowledgeCorpus, type KnowledgeOptions } from '../corpus/knowledge';
import type { FactProbe } from '../factRecall';

/**
 * One probe per person: the surname after the first name at a line start (the corpus's lines
 * start with the name). Knowing who exists is itself memorisation the corpus rewards.
 */
export function surnameProbes(knowledge: Partial<KnowledgeOptions> = {}): FactProbe[] {
  const people = new Set(generateKnowledgeCorpus(knowledge).facts.map((f) => f.entity));
  return [...people].map((name) => {
    const [first, last] = name.split(' ');
    return { prompt: `.\n${first} `, answer: last };
  });
}

/** At most `count` probes spread evenly over the list (all of them when count ≥ its length). */
export function spreadSubset<T>(items: readonly T[], count: number): T[] {
  if (!Number.isInteger(count) || count < 0)
    throw new RangeError(`count must be an integer ≥ 0 (got ${count})`);
  if (count >= items.length) return [...items];
  return Array.from({ length: count }, (_, i) => items[Math.floor((i * items.length) / count)]);
}
