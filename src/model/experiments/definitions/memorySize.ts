import { CHANCE_FACT_RECALL } from '../../factRecall';
import { less, lossText, pct } from '../claims';
import type { Claim, ExperimentDefinition } from '../types';

const SIZES = [16, 32, 64, 128, 256];

export const memorySize: ExperimentDefinition = {
  name: 'memory-size',
  title: 'Memory size: 16² to 256² slots on the knowledge corpus',
  expectation:
    "More slots, more capacity: perplexity falls as the memory grows (the paper's memory-size sweep; " +
    'the brief quotes no numbers for it). The knowledge corpus rewards memorising facts, so recall ' +
    'should grow with size too.',
  base: {},
  arms: () => SIZES.map((n) => ({ label: `${n}² slots`, overrides: { n_keys: n } })),
  // The default run's budget: the knowledge task's facts are learned by then (capacity experiment).
  fullSteps: 2500,
  timeInference: false,
  claims(arms): Claim[] {
    const smallest = arms[0];
    const largest = arms.at(-1)!;
    const ppl = arms.map((a) => a.summary.perplexity);
    const monotonic = ppl.every((p, i) => i === 0 || p < ppl[i - 1]);
    const recall = (i: number) => arms[i].summary.factAccuracy;
    const atCeiling = (smallest.summary.surnameAccuracy ?? 0) >= 0.99;
    return [
      {
        id: 'largest-beats-smallest',
        statement: `${largest.label} has a lower perplexity than ${smallest.label}`,
        paper: 'perplexity improves with memory size (qualitative; no numbers in the brief)',
        observed: `${lossText(largest)} vs ${lossText(smallest)}`,
        agrees: less(largest.summary.perplexity, smallest.summary.perplexity),
        arms: [largest.label, smallest.label],
      },
      {
        id: 'monotonic',
        statement: 'perplexity falls at every size step',
        paper: 'perplexity improves with memory size (qualitative)',
        observed: arms.map((a) => `${a.label} ${a.summary.perplexity.toFixed(3)}`).join(', '),
        agrees: ppl.every(Number.isFinite) ? monotonic : null,
        arms: arms.map((a) => a.label),
        ...(monotonic
          ? {}
          : { note: 'a larger memory has more slots to train from the same steps: it may need longer' }),
      },
      {
        id: 'recall-grows',
        statement: `${largest.label} recalls more facts than ${smallest.label}`,
        paper: 'capacity is what a larger memory adds (the knowledge corpus tests it directly)',
        observed: `${pct(recall(arms.length - 1))} vs ${pct(recall(0))} (uniform guess ${pct(CHANCE_FACT_RECALL)})`,
        agrees: less(recall(0), recall(arms.length - 1)),
        arms: [largest.label, smallest.label],
        ...(arms.every((a) => (a.summary.factAccuracy ?? 0) < 2 * CHANCE_FACT_RECALL)
          ? {
              note:
                `fact recall stays near a uniform guess (${pct(CHANCE_FACT_RECALL)}) at every size: this step ` +
                'budget is too short to learn the attribute values, so this claim is not really tested here',
            }
          : {}),
      },
      {
        id: 'surname-recall-grows',
        statement: `${largest.label} recalls more surnames (who exists) than ${smallest.label}`,
        paper: 'capacity is what a larger memory adds (the knowledge corpus tests it directly)',
        observed: arms.map((a) => `${a.label} ${pct(a.summary.surnameAccuracy)}`).join(', '),
        // At the ceiling (every surname of a small corpus known at every size) growth cannot show.
        agrees: atCeiling ? null : less(smallest.summary.surnameAccuracy, largest.summary.surnameAccuracy),
        arms: [largest.label, smallest.label],
        ...(atCeiling
          ? {
              note:
                `${smallest.label} already recalls ${pct(smallest.summary.surnameAccuracy)} of the surnames: ` +
                'the corpus has too few people to show growth here, so this claim is not tested',
            }
          : {}),
      },
    ];
  },
  columns: [
    { header: 'usage', value: (a) => a.summary.usage, percent: true },
    { header: 'kl_w', value: (a) => a.summary.kl_w, digits: 3 },
    { header: 'fact recall', value: (a) => a.summary.factAccuracy, percent: true },
    { header: 'surname recall', value: (a) => a.summary.surnameAccuracy, percent: true },
    { header: 'answer loss', value: (a) => a.summary.answerLoss, digits: 3 },
  ],
};
