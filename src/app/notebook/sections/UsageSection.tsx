import { formatInt } from '../../../components/chart/format';
import { FigureFrame } from '../../figures/FigureFrame';
import { CoveragePanel, UsagePanel } from '../../figures/UsagePanel';
import { Prose, Section } from '../Section';
import { useModelFacts } from '../useModelFacts';
import { RebuildControl } from './RebuildControl';

export function UsageSection() {
  const f = useModelFacts();
  return (
    <Section id="usage" number={7} title="Which slots get used — and why the query is normalised">
      <Prose>
        <p>
          A memory is only as big as the part of it that is used. The heat map counts how often each of the{' '}
          {formatInt(f.slots)} slots has been selected during training, on the n × n grid (row: sub-key of
          half 1, column: sub-key of half 2). A slot that is never selected — a dead slot — never gets a
          gradient: its value is wasted. The map counts every training read since the start, so it only fills
          up (the run bar’s memory usage is its share of used slots).
        </p>
        <p>
          The paper measures usage on a fixed evaluation set instead, as the cards on the right do:{' '}
          <strong>usage</strong> is the share of slots that got any weight, <strong>KL to uniform</strong> and{' '}
          <strong>Gini</strong> say how unevenly the weight is spread (0 = perfectly even), and top-P counts
          the busiest slots that carry P % of it. Left alone, queries crowd into a small region of space and
          keep picking the same sub-keys. Normalising the query (BatchNorm in the paper) spreads them out; at
          a million slots it raised usage from 25.8 % to 80.3 %. At this page’s scale the effect may be
          smaller — switch the normalisation, retrain, and compare.
        </p>
      </Prose>
      <div className="nb-figures nb-figures--usage">
        <FigureFrame
          title="Slot usage during training"
          controls={
            <RebuildControl
              field="query_norm"
              label="Query normalisation"
              current={f.config.query_norm}
              options={[
                { value: 'batchnorm', label: 'BatchNorm (paper)' },
                { value: 'layernorm', label: 'LayerNorm per half' },
                { value: 'none', label: 'None' },
              ]}
            />
          }
          minHeight={420}
        >
          <UsagePanel maxSize={440} />
        </FigureFrame>
        <FigureFrame title="Coverage on the validation set" minHeight={420}>
          <CoveragePanel />
        </FigureFrame>
      </div>
    </Section>
  );
}
