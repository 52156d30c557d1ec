/**
 * The knowledge corpus an experiment arm trained on, against the one the lab trains on (the app's
 * default): "Open in lab" must say so when they differ, or the lab would silently train the arm's
 * config on other facts and never reproduce its row.
 */
import { DEFAULT_KNOWLEDGE, type KnowledgeOptions, resolveKnowledge } from '../../model/corpus/knowledge';
import { armKnowledge } from '../../model/experiments/resultCorpus';
import type { ArmResult, ExperimentResult } from '../../model/experiments/types';

export function sameKnowledge(a: KnowledgeOptions, b: KnowledgeOptions): boolean {
  return (Object.keys(DEFAULT_KNOWLEDGE) as (keyof KnowledgeOptions)[]).every((key) => a[key] === b[key]);
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
