import { CandidateGrid } from '../../../components/CandidateGrid';
import { formatInt } from '../../../components/chart/format';
import { candidateGridProps } from '../../../components/fromTrace';
import { FigureFrame } from '../../figures/FigureFrame';
import { HeadSwitch, useHead } from '../../figures/HeadSwitch';
import { useLayerTrace } from '../../hooks';
import { Prose, Section } from '../Section';
import { useModelFacts } from '../useModelFacts';
import { TraceWaiting } from './QuerySection';

export function CandidateSection() {
  const f = useModelFacts();
  const trace = useLayerTrace();
  const heads = trace?.trace.heads.length ?? f.heads;
  const h = useHead(heads);
  const grid = trace ? candidateGridProps(trace.trace, h) : null;
  return (
    <Section id="candidates" number={4} title="k × k candidates, and why the search is exact">
      <Prose>
        <p>
          A slot of the memory is a pair (i, j): one sub-key from each set. Its key is the two sub-keys side
          by side, [c₁ᵢ ; c₂ⱼ], so its score is q · [c₁ᵢ ; c₂ⱼ] = q₁·c₁ᵢ + q₂·c₂ⱼ = aᵢ + bⱼ. There are n² ={' '}
          {formatInt(f.slots)} such pairs, but only the k × k = {f.k * f.k} pairs of kept sub-keys can win:
        </p>
        <p className="nb-callout">
          Suppose slot (i, j) is among the best k of all n² slots, but i is not among the best k of half 1.
          Then k sub-keys i′ score higher than i, and every slot (i′, j) scores higher than (i, j): k slots
          ahead of it, a contradiction. The same holds for j. So the best k slots always lie in this grid —
          the search is exact, not an approximation — at a cost of {formatInt(f.productCost)} sums per head
          instead of {formatInt(f.slots)}.
        </p>
      </Prose>
      <div className="nb-figures">
        <FigureFrame
          title="Candidate sums aᵢ + bⱼ"
          controls={<HeadSwitch heads={heads} />}
          minHeight={360}
          className="figure-frame--narrow"
        >
          {grid ? <CandidateGrid {...grid} /> : <TraceWaiting />}
        </FigureFrame>
      </div>
    </Section>
  );
}
