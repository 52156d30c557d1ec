import { useUiStore } from '../../../state/uiStore';
import { Prose, Section } from '../Section';

export function NextSection() {
  const setPage = useUiStore((s) => s.setPage);
  return (
    <Section id="next" title="Where to go from here">
      <Prose>
        <p>
          The <strong>lab</strong> has every setting of the model, the memory and the optimiser, the figures
          side by side, per-layer and per-head views, and a slow mode that takes one step at a time.{' '}
          <button type="button" className="link-button" onClick={() => setPage('lab')}>
            Open the lab →
          </button>
        </p>
        <p className="nb-reference">
          Lample, Sablayrolles, Ranzato, Denoyer, Jégou. <em>Large Memory Layers with Product Keys.</em>{' '}
          NeurIPS 2019, arXiv:1907.05242. Reference implementation: facebookresearch/XLM,{' '}
          <code>xlm/model/memory</code>.
        </p>
      </Prose>
    </Section>
  );
}
