import { corpusText, factCount } from '../../model/experiments/resultCorpus';
import type { ArmResult, ExperimentResult } from '../../model/experiments/types';
import { labCorpusFor } from './armCorpus';

/**
 * "Open in lab" for one arm. The lab trains on the app's default knowledge corpus: where the arm
 * trained on another, the button says it opens the config on the default corpus (its row's numbers
 * will not be reproduced) instead of silently training something else.
 */
export function OpenInLabButton({
  result,
  arm,
  onOpen,
}: {
  result: ExperimentResult;
  arm: ArmResult;
  onOpen: (label: string) => void;
}) {
  const steps = result.scale.steps.toLocaleString('en');
  const corpus = labCorpusFor(result, arm);
  const seeds = `seed${result.seeds.length > 1 ? 's' : ''} ${result.seeds.join(', ')}`;
  let text = `Open in lab · ${steps} steps`;
  let name = `Open ${arm.label} in the lab · ${steps} steps`;
  let title = `Opens this config in the lab; train it for ${steps} steps (${seeds}) to reproduce this row`;
  if (!corpus.same) {
    const labFacts = factCount(corpus.lab).toLocaleString('en');
    const armCorpus = corpus.arm ? corpusText(corpus.arm) : 'a corpus this page cannot read';
    text = `Open in lab · default ${labFacts}-fact corpus`;
    name = `Open ${arm.label} in the lab · trains on the default ${labFacts}-fact corpus, not this row’s`;
    title =
      `Opens this config in the lab, which trains on its default corpus of ${corpusText(corpus.lab)}. ` +
      `This row trained on ${armCorpus}, so the lab will not reproduce its numbers.`;
  }
  return (
    <button
      type="button"
      className="link-button results-table__open"
      aria-label={name}
      title={title}
      data-corpus={corpus.same ? 'same' : 'default'}
      onClick={() => onOpen(arm.label)}
    >
      {text}
    </button>
  );
}
