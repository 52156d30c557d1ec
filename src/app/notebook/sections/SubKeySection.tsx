import { formatInt } from '../../../components/chart/format';
import { subKeyScoresProps } from '../../../components/fromTrace';
import { SubKeyScores } from '../../../components/SubKeyScores';
import { FigureFrame } from '../../figures/FigureFrame';
import { HeadSwitch, useHead } from '../../figures/HeadSwitch';
import { useLayerTrace } from '../../hooks';
import { Prose, Section } from '../Section';
import { useModelFacts } from '../useModelFacts';
import { TraceWaiting } from './QuerySection';

export function SubKeySection() {
  const f = useModelFacts();
  const trace = useLayerTrace();
  const heads = trace?.trace.heads.length ?? f.heads;
  const h = useHead(heads);
  const head = trace?.trace.heads[h];
  const half1 = head ? subKeyScoresProps(head, 0) : null;
  const half2 = head ? subKeyScoresProps(head, 1) : null;
  return (
    <Section id="subkeys" number={3} title="Two small sets of sub-keys">
      <Prose>
        <p>
          Instead of {formatInt(f.slots)} keys of {f.kDim} numbers, each head learns two sets of only n ={' '}
          {f.n} <em>sub-keys</em> of {f.half} numbers: C₁ for the first half of the query and C₂ for the
          second. The half q₁ is scored against every sub-key of C₁ (a dot product), and q₂ against every
          sub-key of C₂ — {2 * f.n} scores in all. Each half keeps its best k = {f.k}: the scores a₁…a
          <sub>k</sub> and b₁…b<sub>k</sub>.
        </p>
      </Prose>
      {heads > 1 ? (
        <div className="nb-controls">
          <HeadSwitch heads={heads} />
        </div>
      ) : null}
      <div className="nb-figures nb-figures--pair">
        <FigureFrame title="Half 1: q₁ against C₁" minHeight={250}>
          {half1 ? <SubKeyScores {...half1} label={`head ${h + 1}, half 1`} /> : <TraceWaiting />}
        </FigureFrame>
        <FigureFrame title="Half 2: q₂ against C₂" minHeight={250}>
          {half2 ? <SubKeyScores {...half2} label={`head ${h + 1}, half 2`} /> : <TraceWaiting />}
        </FigureFrame>
      </div>
    </Section>
  );
}
