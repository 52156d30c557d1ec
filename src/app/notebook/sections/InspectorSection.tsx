import { useSelectionStore } from '../../../state/selectionStore';
import { FactReadsPanel } from '../../figures/FactReadsPanel';
import { FigureFrame } from '../../figures/FigureFrame';
import { SlotInspectorPanel } from '../../figures/SlotInspectorPanel';
import { Prose, Section } from '../Section';

export function InspectorSection() {
  const chosen = useSelectionStore((s) => s.slot);
  const setSlot = useSelectionStore((s) => s.setSlot);
  return (
    <Section id="learned" number={8} title="What the memory learned">
      <Prose>
        <p>
          The training text states facts about made-up people, such as “Kavo Ridel lives in Oslo.”, each in a
          few wordings, and keeps one wording of every fact back. The answers are drawn at random, so a model
          can only answer a question in the held-back wording if it has stored the fact itself. Below, the
          live model is asked some of them: ✓ when it continues the question with the answer, letter for
          letter; ✗ shows what it said instead.
        </p>
        <p>
          Pick a fact to see which memory slots were read at the last byte of its question (the space just
          before the answer, where the model picks the answer’s first letter) and with what weight. Then click
          a slot: the inspector below lists the other contexts that select it, which shows what else that slot
          serves.
        </p>
        <p>
          A slot fires for the contexts whose queries land near its pair of sub-keys, so its contexts show
          what it stands for: often one template position (“…lives in␣”), a family of names, or the first
          letters of one value. They come from the start of the validation text, which the model never trained
          on. You can also click a slot in the heat map, the product-key map or the top-k table.{' '}
          {chosen === null
            ? 'Until you do, the inspector shows the heaviest slot of the picked byte.'
            : 'The picked byte’s heaviest slot is one click away: '}
          {chosen !== null ? (
            <button type="button" className="link-button" onClick={() => setSlot(null)}>
              follow the picked byte again
            </button>
          ) : null}
        </p>
      </Prose>
      <div className="nb-figures">
        <FigureFrame title="Facts the live model is asked" minHeight={160}>
          <FactReadsPanel />
        </FigureFrame>
        <FigureFrame title="Contexts that selected the slot" minHeight={160}>
          <SlotInspectorPanel />
        </FigureFrame>
      </div>
    </Section>
  );
}
