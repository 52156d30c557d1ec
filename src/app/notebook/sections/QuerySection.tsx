import { QueryHalves } from '../../../components/QueryHalves';
import { useRunDataStore } from '../../../state/runDataStore';
import { useSelectionStore } from '../../../state/selectionStore';
import { FigureFrame, Waiting } from '../../figures/FigureFrame';
import { byteTokens, TokenChooser } from '../../figures/TokenChooser';
import { useLayerTrace } from '../../hooks';
import { Prose, Section } from '../Section';
import { useModelConfig, useModelFacts } from '../useModelFacts';

export function QuerySection() {
  const f = useModelFacts();
  const trace = useLayerTrace();
  const text = useSelectionStore((s) => s.text);
  const position = useSelectionStore((s) => s.position);
  const token = byteTokens(text)[position];
  return (
    <Section id="query" number={2} title="The query, split in two halves">
      <Prose>
        <p>
          The memory sits where block {f.memoryBlocks.join(', ') || '—'}’s feed-forward layer would be. For
          each token it takes the hidden state x and projects it to one query per head, q = W·x + b, of k
          <sub>dim</sub> = {f.kDim} numbers, then normalises it (
          {f.config.query_norm === 'none' ? 'here: not at all' : f.config.query_norm}). The query is then cut
          in two halves, q₁ and q₂, of {f.half} numbers each. Everything that follows works on these two
          halves separately.
        </p>
        <p>
          The model reads bytes. Pick one in the sentence (or type your own) to trace its lookup through the
          memory; the figures below all follow your choice.
        </p>
      </Prose>
      <TokenChooser />
      <div className="nb-figures">
        <FigureFrame title="The query of the picked byte, per head" minHeight={f.heads * 110 + 40}>
          {trace ? (
            <QueryHalves heads={trace.trace.heads} normLabel={f.config.query_norm} token={token} />
          ) : (
            <TraceWaiting />
          )}
        </FigureFrame>
      </div>
    </Section>
  );
}

/** What the lookup figures show before a trace of the picked byte exists. */
export function TraceWaiting() {
  const config = useModelConfig();
  const source = useRunDataStore((s) => s.data.source);
  const text = useSelectionStore((s) => s.text);
  let message = 'This byte has no trace yet: the live model traces it as soon as it has warmed up.';
  if (config.mem_layers.length === 0)
    message = 'This model has no memory layer (a baseline): there is no lookup to show.';
  else if (text === '') message = 'Type a text to trace.';
  else if (source === 'live') message = 'Tracing the picked byte…';
  return (
    <Waiting>
      <span>{message}</span>
    </Waiting>
  );
}
