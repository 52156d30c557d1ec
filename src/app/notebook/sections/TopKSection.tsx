import { useSelectionStore } from '../../../state/selectionStore';
import { FigureFrame } from '../../figures/FigureFrame';
import { HeadSwitch, useHead } from '../../figures/HeadSwitch';
import { useInspectedSlot } from '../../figures/SlotInspectorPanel';
import { TopKWeights } from '../../figures/TopKWeights';
import { useLayerTrace } from '../../hooks';
import { Prose, Section } from '../Section';
import { useModelFacts } from '../useModelFacts';
import { TraceWaiting } from './QuerySection';
import { RebuildControl } from './RebuildControl';

export function TopKSection() {
  const f = useModelFacts();
  const trace = useLayerTrace();
  const heads = trace?.trace.heads.length ?? f.heads;
  const h = useHead(heads);
  const head = trace?.trace.heads[h];
  const setSlot = useSelectionStore((s) => s.setSlot);
  const slot = useInspectedSlot();
  const ks = [1, 2, 4, 8, 16, 32, 64].filter((k) => k <= Math.min(64, f.n));
  return (
    <Section id="topk" number={5} title="The final top-k and the softmax">
      <Prose>
        <p>
          The best k = {f.k} of the {f.k * f.k} candidate sums are the slots this token reads. Their scores go
          through a softmax over just these k, so the weights are positive and add up to 1; everything outside
          the top-k gets exactly zero. Often a few slots take most of the weight. The slot id is i·n + j, its
          place on the n × n grid.
        </p>
        <p>
          A larger k reads more slots per token (more work, smoother gradients); the paper uses k = 32. Try
          another k: the model is rebuilt and trains from scratch.
        </p>
      </Prose>
      <div className="nb-figures">
        <FigureFrame
          title="The slots read, with their weights"
          controls={
            <>
              <HeadSwitch heads={heads} />
              <RebuildControl
                field="knn"
                label="k"
                current={f.k}
                options={ks.map((k) => ({ value: k, label: String(k) }))}
              />
            </>
          }
          minHeight={Math.min(64, f.k) * 30 + 60}
        >
          {head ? (
            <TopKWeights head={head} headIndex={h} n_keys={f.n} onSelectSlot={setSlot} selectedSlot={slot} />
          ) : (
            <TraceWaiting />
          )}
        </FigureFrame>
      </div>
    </Section>
  );
}
