import type { ArmResult, Claim, ExperimentDefinition } from '../types';

const positionLabel = (block: number, layers: number) => `memory in block ${block + 1} of ${layers}`;

/** How far the best end position leads the best intermediate one, in validation loss. */
function positionNote(best: ArmResult, memoryArms: ArmResult[], layers: number): string {
  const inner = memoryArms
    .filter((a) => a.config.mem_layers[0] !== 0 && a.config.mem_layers[0] !== layers - 1)
    .sort((a, b) => a.summary.loss - b.summary.loss)[0];
  const shallow = `with ${layers} blocks there are only ${Math.max(0, layers - 2)} intermediate positions, and a shallow model gives an early memory the most blocks after it`;
  if (!inner) return shallow;
  const gap = (inner.summary.loss - best.summary.loss) / inner.summary.loss;
  return `${best.label} leads the best intermediate block by ${(100 * gap).toFixed(1)}% in loss; ${shallow}`;
}

export const position: ExperimentDefinition = {
  name: 'position',
  title: 'Memory position: one memory in each block of a 4-layer model',
  expectation:
    'The best single position is an intermediate layer. (2nd) In a 6-layer model, layer 5 of 6 was ' +
    'best and layer 1 worst. A baseline without memory is shown for reference.',
  base: { layers: 4 },
  arms(base) {
    return [
      ...Array.from({ length: base.layers }, (_, i) => ({
        label: positionLabel(i, base.layers),
        overrides: { mem_layers: [i] },
      })),
      { label: 'no memory', overrides: { mem_layers: [] } },
    ];
  },
  fullSteps: 1000,
  timeInference: false,
  claims(arms): Claim[] {
    const memoryArms = arms.filter((a) => a.config.mem_layers.length === 1);
    const layers = memoryArms[0]?.config.layers ?? 0;
    const ranked = [...memoryArms].sort((a, b) => a.summary.perplexity - b.summary.perplexity);
    const best = ranked[0];
    const worst = ranked.at(-1);
    const bestBlock = best?.config.mem_layers[0];
    const known = memoryArms.length > 0 && memoryArms.every((a) => Number.isFinite(a.summary.perplexity));
    const ranking = ranked.map(
      (a) => `block ${a.config.mem_layers[0] + 1} ${a.summary.perplexity.toFixed(3)}`,
    );
    const intermediate = known ? bestBlock !== 0 && bestBlock !== layers - 1 : null;
    const firstWorst = known ? worst?.config.mem_layers[0] === 0 : null;
    return [
      {
        id: 'best-intermediate',
        statement: 'the best position is an intermediate block (neither the first nor the last)',
        paper: '(2nd) layer 5 of 6 was best',
        observed: `perplexity, best first: ${ranking.join(', ')}`,
        agrees: intermediate,
        arms: best ? [best.label] : [],
        ...(intermediate === false && best ? { note: positionNote(best, memoryArms, layers) } : {}),
      },
      {
        id: 'first-worst',
        statement: 'the first block is the worst position',
        paper: '(2nd) layer 1 of 6 was worst',
        observed: `worst: ${worst ? worst.label : '-'}`,
        agrees: firstWorst,
        arms: worst ? [worst.label] : [],
      },
    ];
  },
  columns: [
    { header: 'usage', value: (a) => a.summary.usage, percent: true },
    { header: 'kl_w', value: (a) => a.summary.kl_w, digits: 3 },
    { header: 'fact recall', value: (a) => a.summary.factAccuracy, percent: true },
    { header: 'surname recall', value: (a) => a.summary.surnameAccuracy, percent: true },
  ],
};
