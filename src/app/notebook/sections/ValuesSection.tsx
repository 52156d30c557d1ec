import { productKeyMapProps } from '../../../components/fromTrace';
import { ProductKeyMap } from '../../../components/ProductKeyMap';
import { useSelectionStore } from '../../../state/selectionStore';
import { FigureFrame } from '../../figures/FigureFrame';
import { VectorStrip } from '../../figures/VectorStrip';
import { useLayerTrace } from '../../hooks';
import { Prose, Section } from '../Section';
import { useModelFacts } from '../useModelFacts';
import { TraceWaiting } from './QuerySection';

export function ValuesSection() {
  const f = useModelFacts();
  const trace = useLayerTrace();
  const setSlot = useSelectionStore((s) => s.setSlot);
  return (
    <Section id="values" number={6} title="Reading the values">
      <Prose>
        <p>
          Every slot holds a learned value vector of d<sub>v</sub> = {f.vDim} numbers. The memory’s output is
          the weighted sum of the values each head read, summed over the {f.heads} head
          {f.heads > 1 ? 's' : ''}: m(x) = Σ<sub>heads</sub> Σ<sub>top-k</sub> w · v. It is added to the
          token’s hidden state, exactly where a feed-forward block’s output would go.
        </p>
        <p>
          Only the {f.heads * f.k} rows a token read receive a gradient, so the values are trained with their
          own sparse Adam at a higher learning rate (value_lr = {f.config.value_lr}); the untouched rows —
          nearly all of them — cost nothing in a step. Click a slot on the map to see what it has learned
          (section 8).
        </p>
      </Prose>
      <div className="nb-figures nb-figures--pair">
        <FigureFrame title="Where the read slots lie on the n × n grid" minHeight={300}>
          {trace ? (
            <ProductKeyMap {...productKeyMapProps(trace.trace)} onSelectSlot={setSlot} label="picked byte" />
          ) : (
            <TraceWaiting />
          )}
        </FigureFrame>
        <FigureFrame title="What the memory adds to the token" minHeight={140}>
          {trace ? (
            <VectorStrip
              label="Memory output"
              rows={[
                { name: 'memory input', values: trace.trace.input, color: 'var(--cat-7)' },
                { name: 'memory output', values: trace.trace.output, color: 'var(--cat-3)' },
              ]}
            />
          ) : (
            <TraceWaiting />
          )}
          <div className="nb-map-notes">
            <p>
              <strong>Reading the map.</strong> Each dot is a slot the picked byte read, coloured by head.
              Rows are the sub-keys of half 1 and columns those of half 2; the shaded bands mark each half’s
              top-k. The dots can only sit where a band of rows crosses a band of columns: those crossings are
              the k × k candidates of section 4.
            </p>
            <p>
              The output is the weighted sum of the {f.heads * f.k} value rows behind these dots; the input is
              the normalised state that formed the query.
            </p>
          </div>
        </FigureFrame>
      </div>
    </Section>
  );
}
