import { useSelectionStore } from '../../../state/selectionStore';
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
          A slot fires for the contexts whose queries land near its pair of sub-keys. Listing the bytes that
          selected a slot most strongly shows what it stands for: often one template position (“…lives in␣”),
          a family of names, or the first letters of one value. The list comes from the start of the
          validation text, which the model never trained on.
        </p>
        <p>
          Click a slot in the heat map, the product-key map or the top-k table.{' '}
          {chosen === null
            ? 'Until you do, this shows the heaviest slot of the picked byte.'
            : 'The picked byte’s heaviest slot is one click away: '}
          {chosen !== null ? (
            <button type="button" className="link-button" onClick={() => setSlot(null)}>
              follow the picked byte again
            </button>
          ) : null}
        </p>
      </Prose>
      <div className="nb-figures">
        <FigureFrame title="Contexts that selected the slot" minHeight={160}>
          <SlotInspectorPanel />
        </FigureFrame>
      </div>
    </Section>
  );
}
