import type { RecallFact } from '../../components/FactRecallList';
import type { FactReads } from '../../engine/protocol';

/** The engine's fact reads as the fact list shows them: recalled facts first, each in corpus order. */
export function recallFactList(reads: FactReads): RecallFact[] {
  const facts = reads.facts.map((f) => ({
    id: f.index,
    prompt: f.prompt,
    answer: f.answer,
    modelAnswer: f.greedyText,
    recalled: f.recalled,
    slots: f.heads.flatMap((h, head) => h.slots.map((slot, j) => ({ head, slot, weight: h.weights[j] }))),
  }));
  return facts.sort((a, b) => Number(b.recalled) - Number(a.recalled) || a.id - b.id);
}

/** The fact to show: the one picked if it is still listed, else the first recalled, else the first. */
export function shownFact(facts: RecallFact[], picked: number | null): number | null {
  if (picked !== null && facts.some((f) => f.id === picked)) return picked;
  return (facts.find((f) => f.recalled) ?? facts[0])?.id ?? null;
}
