import { useState } from 'react';
import { CandidateGrid } from '../../components/CandidateGrid';
import { Segmented } from '../../components/chart/Segmented';
import { candidateGridProps, productKeyMapProps, subKeyScoresProps } from '../../components/fromTrace';
import { ProductKeyMap } from '../../components/ProductKeyMap';
import { QueryHalves } from '../../components/QueryHalves';
import { SubKeyScores } from '../../components/SubKeyScores';
import { useSelectionStore } from '../../state/selectionStore';
import { FigureFrame } from '../figures/FigureFrame';
import { HeadSwitch, useHead } from '../figures/HeadSwitch';
import { LossPanel } from '../figures/LossPanel';
import { RecallPanel } from '../figures/RecallPanel';
import { RunNumbers } from '../figures/RunNumbers';
import { SlotInspectorPanel, useInspectedSlot } from '../figures/SlotInspectorPanel';
import { TokenChooser } from '../figures/TokenChooser';
import { TopKWeights } from '../figures/TopKWeights';
import { CoveragePanel, UsagePanel } from '../figures/UsagePanel';
import { useLayerTrace } from '../hooks';
import { TraceWaiting } from '../notebook/sections/QuerySection';
import { useModelConfig } from '../notebook/useModelFacts';
import { ConfigForm } from './ConfigForm';
import { EngineOptionsForm } from './EngineOptionsForm';
import { LAB_SLOT_ORDER } from './extensions';
import { LabSlot } from './LabSlot';
import { LayerSwitch } from './LayerSwitch';
import { ModelInfoCard } from './ModelInfoCard';
import './lab.css';

/**
 * The lab: every setting on the left, the live figures side by side on the right, and the named
 * extension slots (extensions.ts) for compare, your own data and memory, saved runs, export and
 * generation.
 */
export function LabPage() {
  const config = useModelConfig();
  const trace = useLayerTrace();
  const heads = trace?.trace.heads.length ?? config.heads;
  const h = useHead(heads);
  const head = trace?.trace.heads[h];
  const setSlot = useSelectionStore((s) => s.setSlot);
  const slot = useInspectedSlot();
  // Every head of the model, not only the one the figures show ("all" or a head's index).
  const [coverageScope, setCoverageScope] = useState<string>('all');
  const scopeHead = coverageScope === 'all' ? null : Math.min(Number(coverageScope), heads - 1);
  const product = trace?.trace.mem_keys === 'product';
  const half = (i: 0 | 1) => (head ? subKeyScoresProps(head, i) : null);
  const h1 = half(0);
  const h2 = half(1);
  const grid = trace && product ? candidateGridProps(trace.trace, h) : null;
  return (
    <div className="lab">
      <aside className="lab__sidebar" aria-label="Lab settings">
        <section className="lab-card">
          <h2 className="lab-card__title">Settings</h2>
          <ConfigForm />
        </section>
        <section className="lab-card" aria-label="Model">
          <h2 className="lab-card__title">Model</h2>
          <ModelInfoCard />
        </section>
        <section className="lab-card">
          <h2 className="lab-card__title">Engine</h2>
          <EngineOptionsForm />
        </section>
        {LAB_SLOT_ORDER.sidebar.map((name) => (
          <LabSlot key={name} name={name} />
        ))}
      </aside>
      <div className="lab__main">
        <section className="lab-card lab-card--flush" aria-label="What the figures show">
          <div className="lab-viewbar">
            <h2 className="lab-card__title">Traced byte</h2>
            <LayerSwitch layers={config.mem_layers} />
            <HeadSwitch heads={heads} />
          </div>
          <TokenChooser />
        </section>
        {config.mem_layers.length === 0 ? (
          <p className="lab-note">
            This configuration has no memory layer (a baseline): only the loss is shown. Add a block number to
            “Memory blocks” to give it one.
          </p>
        ) : null}
        <div className="lab-grid">
          <FigureFrame title="Loss and fact recall" className="lab-grid__wide">
            <div className="lab-loss">
              {/* Stacked on one step range: a drop in loss and a rise in recall line up. */}
              <div className="lab-loss__charts">
                <LossPanel height={260} />
                <RecallPanel height={170} />
              </div>
              <RunNumbers />
            </div>
          </FigureFrame>
          <FigureFrame title="Slot usage during training" minHeight={380}>
            <UsagePanel maxSize={400} />
          </FigureFrame>
          <FigureFrame
            title="Coverage on the validation set"
            minHeight={380}
            controls={
              heads > 1 ? (
                <Segmented
                  label="Scope"
                  options={[
                    { value: 'all', label: 'All heads' },
                    ...Array.from({ length: heads }, (_, i) => ({
                      value: String(i),
                      label: `Head ${i + 1}`,
                    })),
                  ]}
                  value={scopeHead === null ? 'all' : String(scopeHead)}
                  onChange={setCoverageScope}
                />
              ) : undefined
            }
          >
            <CoveragePanel head={scopeHead} />
          </FigureFrame>
          <FigureFrame title="Query halves" minHeight={220}>
            {trace ? (
              <QueryHalves heads={trace.trace.heads} normLabel={config.query_norm} />
            ) : (
              <TraceWaiting />
            )}
          </FigureFrame>
          <FigureFrame title="Selected slots on the grid" minHeight={220}>
            {trace ? (
              <ProductKeyMap {...productKeyMapProps(trace.trace)} onSelectSlot={setSlot} />
            ) : (
              <TraceWaiting />
            )}
          </FigureFrame>
          <FigureFrame title={`Sub-key scores, half 1 (head ${h + 1})`} minHeight={250}>
            {h1 ? <SubKeyScores {...h1} label={`head ${h + 1}, half 1`} /> : <TraceWaiting />}
          </FigureFrame>
          <FigureFrame title={`Sub-key scores, half 2 (head ${h + 1})`} minHeight={250}>
            {h2 ? <SubKeyScores {...h2} label={`head ${h + 1}, half 2`} /> : <TraceWaiting />}
          </FigureFrame>
          <FigureFrame title={`Candidates (head ${h + 1})`} minHeight={300}>
            {grid ? <CandidateGrid {...grid} /> : <TraceWaiting />}
          </FigureFrame>
          <FigureFrame title={`Top-k and softmax (head ${h + 1})`} minHeight={300}>
            {head && trace ? (
              <TopKWeights
                head={head}
                headIndex={h}
                n_keys={trace.trace.n_keys}
                onSelectSlot={setSlot}
                selectedSlot={slot}
              />
            ) : (
              <TraceWaiting />
            )}
          </FigureFrame>
          <FigureFrame title="Slot inspector" className="lab-grid__wide" minHeight={240}>
            <SlotInspectorPanel />
          </FigureFrame>
        </div>
        {LAB_SLOT_ORDER.main.map((name) => (
          <LabSlot key={name} name={name} />
        ))}
      </div>
    </div>
  );
}
