/**
 * The knowledge corpus a result's configs trained on, read back from the stored options, and its
 * description ("Data: …" in reports and on the Results page): results differ in their task (the
 * app's default task changed once), so each says which facts its numbers are about.
 */
import { ATTRIBUTES, type KnowledgeOptions, resolveKnowledge } from '../corpus/knowledge';
import type { ArmResult, ExperimentResult } from './types';

/**
 * What a stored corpus without the size options meant: results written before they existed
 * trained on all five attributes, three wordings each, one held out. Filling these in (rather
 * than today's defaults) keeps old results right when the defaults change.
 */
const BEFORE_SIZE_OPTIONS: Pick<KnowledgeOptions, 'attributes' | 'templates' | 'heldOut'> = {
  attributes: ATTRIBUTES.length,
  templates: 3,
  heldOut: 1,
};

/** The complete corpus options of an arm (its own, or the experiment's); null when unreadable. */
export function armKnowledge(result: ExperimentResult, arm: ArmResult): KnowledgeOptions | null {
  try {
    return resolveKnowledge({ ...BEFORE_SIZE_OPTIONS, ...(arm.knowledge ?? result.corpus.knowledge) });
  } catch {
    return null;
  }
}

/** Facts stored by a corpus (people × attributes). */
export function factCount(k: KnowledgeOptions): number {
  return k.entities * k.attributes;
}

const n = (v: number) => v.toLocaleString('en');

function wordings(k: KnowledgeOptions): string {
  return `each stated ${n(k.repeats)} times in ${k.templates - k.heldOut} of ${k.templates} wordings`;
}

/** "300 facts (60 people × 5 attributes, each stated 40 times in 5 of 6 wordings)". */
export function corpusText(k: KnowledgeOptions): string {
  return `${n(factCount(k))} facts (${n(k.entities)} people × ${k.attributes} attributes, ${wordings(k)})`;
}

/**
 * "the knowledge corpus: 300 facts (…), asked in a held-out wording", or for an experiment whose
 * configs each train on their own size of it, the range of sizes.
 */
export function resultCorpusText(result: ExperimentResult): string {
  if (result.corpus.name !== 'knowledge') return result.corpus.name;
  const own = result.arms.map((arm) => armKnowledge(result, arm));
  if (own.some((k) => k === null)) return 'the knowledge corpus (options unreadable)';
  const corpora = own as KnowledgeOptions[];
  const counts = [...new Set(corpora.map(factCount))].sort((a, b) => a - b);
  if (counts.length === 1) return `the knowledge corpus, ${corpusText(corpora[0])}`;
  const people = [...new Set(corpora.map((k) => k.entities))].sort((a, b) => a - b);
  const same = corpora.every((k) => wordings(k) === wordings(corpora[0]));
  return (
    `each config its own knowledge corpus, ${counts.map(n).join(', ')} facts ` +
    `(${people.map(n).join(', ')} people × ${corpora[0].attributes} attributes` +
    `${same ? `, ${wordings(corpora[0])}` : ''})`
  );
}
