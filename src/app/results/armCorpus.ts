/**
 * The knowledge corpus an experiment arm trained on, against the one the lab trains on (the app's
 * default): "Open in lab" must say so when they differ, or the lab would silently train the arm's
 * config on other facts and never reproduce its row.
 */
import {
  ATTRIBUTES,
  DEFAULT_KNOWLEDGE,
  type KnowledgeOptions,
  resolveKnowledge,
} from '../../model/corpus/knowledge';
import type { ArmResult, ExperimentResult } from '../../model/experiments/types';

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

export function sameKnowledge(a: KnowledgeOptions, b: KnowledgeOptions): boolean {
  return (Object.keys(DEFAULT_KNOWLEDGE) as (keyof KnowledgeOptions)[]).every((key) => a[key] === b[key]);
}

/** "300 facts (60 people × 5 attributes, each stated 40 times in 5 of 6 wordings)". */
export function corpusText(k: KnowledgeOptions): string {
  const n = (v: number) => v.toLocaleString('en');
  return (
    `${n(factCount(k))} facts (${n(k.entities)} people × ${k.attributes} attributes, each stated ` +
    `${n(k.repeats)} times in ${k.templates - k.heldOut} of ${k.templates} wordings)`
  );
}

export type LabCorpus =
  | { same: true }
  /** `arm` is null when the result's corpus options cannot be read. */
  | { same: false; lab: KnowledgeOptions; arm: KnowledgeOptions | null };

/** Whether the lab's corpus (the default knowledge corpus) is the one this arm trained on. */
export function labCorpusFor(result: ExperimentResult, arm: ArmResult): LabCorpus {
  const lab = resolveKnowledge();
  const own = armKnowledge(result, arm);
  return own && sameKnowledge(own, lab) ? { same: true } : { same: false, lab, arm: own };
}
