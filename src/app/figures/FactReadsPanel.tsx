import { type ReactNode, type RefObject, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { formatInt } from '../../components/chart/format';
import { FactRecallList } from '../../components/FactRecallList';
import type { FactReads, ModelInfo } from '../../engine/protocol';
import { isTraining, modelReady, useEngineStore } from '../../state/engineStore';
import { useInspectionStore } from '../../state/inspectionStore';
import { useRunDataStore } from '../../state/runDataStore';
import { layerForModel, useSelectionStore } from '../../state/selectionStore';
import { useEngine } from '../EngineContext';
import { useShownLayer } from '../hooks';
import { scanInspectionText } from '../inspectionScan';
import { precomputedRun } from '../precomputed/precomputed';
import { Waiting } from './FigureFrame';
import { recallFactList, shownFact } from './factList';

/**
 * While training (and on screen), the facts are asked again at most this often: an ask costs the
 * engine about two training steps (12 eval forwards of the default model), so ~3% of the steps.
 */
const TRAINING_REFRESH_MS = 30_000;
/** The whole inspection text (~1 KB of validation text, some 45 facts). */
const INSPECTION_BYTES = 1024;
/** When paused, a new step (single steps) is asked about after this pause, so a burst asks once. */
const PAUSED_REFRESH_MS = 300;

interface Asked {
  model: ModelInfo;
  layer: number | null;
  /** The step the figures showed when the facts were asked (the engine's may be ahead of it). */
  shownStep: number;
  reads: FactReads;
}

/** Whether the element is on screen or near it: facts are only asked for while someone can see them. */
function useNearScreen(ref: RefObject<HTMLElement | null>): boolean {
  const [near, setNear] = useState(typeof IntersectionObserver === 'undefined');
  useEffect(() => {
    const el = ref.current;
    if (!el || typeof IntersectionObserver === 'undefined') return;
    const observer = new IntersectionObserver((entries) => setNear(entries.some((e) => e.isIntersecting)), {
      rootMargin: '200px',
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, [ref]);
  return near;
}

/**
 * Facts the live model is asked in their held-out wording (FactRecallList), asked again as it
 * trains; a slot of the picked fact opens in the slot inspector (the selection store's slot).
 */
export function FactReadsPanel() {
  const engine = useEngine();
  const state = useEngineStore((s) => s.state);
  const model = useEngineStore((s) => s.model);
  const source = useRunDataStore((s) => s.data.source);
  const step = useRunDataStore((s) => s.data.step);
  const memLayers = model?.config.mem_layers ?? [];
  // The shown layer, named (not null for "the first"), so a trace arriving later asks nothing new.
  const layer = layerForModel(useShownLayer(), memLayers) ?? memLayers[0] ?? null;
  const chosenSlot = useSelectionStore((s) => s.slot);
  const [asked, setAsked] = useState<Asked | null>(null);
  const [asking, setAsking] = useState(false);
  /** The model a request failed for: no automatic retry for it (the Refresh button still asks). */
  const [failedFor, setFailedFor] = useState<ModelInfo | null>(null);
  const [picked, setPicked] = useState<number | null>(null);
  const askedAt = useRef(0);
  const ref = useRef<HTMLDivElement>(null);
  const near = useNearScreen(ref);

  const live = engine !== null && source === 'live' && modelReady(state) && model !== null;
  const hasFacts = model?.corpus.kind === 'knowledge' && model.corpus.probes > 0;
  const current = asked && asked.model === model && asked.layer === layer ? asked : null;

  const ask = useCallback(async () => {
    if (!engine || !model) return;
    setAsking(true);
    askedAt.current = performance.now();
    const shownStep = useRunDataStore.getState().data.step;
    const reads = await engine.factReads(layer);
    setAsking(false);
    // A reply about a model that has since been replaced is dropped.
    if (useEngineStore.getState().model !== model) return;
    if (reads) setAsked({ model, layer, shownStep, reads });
    setFailedFor(reads ? null : model);
  }, [engine, model, layer]);

  useEffect(() => {
    if (!live || !hasFacts || !near || asking || failedFor === model) return;
    if (current && current.shownStep === step) return;
    let wait = 0;
    if (current) {
      wait = isTraining(state)
        ? Math.max(0, askedAt.current + TRAINING_REFRESH_MS - performance.now())
        : PAUSED_REFRESH_MS;
    }
    const timer = setTimeout(() => void ask(), wait);
    return () => clearTimeout(timer);
  }, [live, hasFacts, near, asking, failedFor, model, current, step, state, ask]);

  const facts = useMemo(() => (current ? recallFactList(current.reads) : []), [current]);
  const selected = shownFact(facts, picked);

  const openSlot = (slot: number) => {
    useSelectionStore.getState().setSlot(slot);
    // The inspector needs the live model's reads of the validation text in this layer: read them
    // once, all of the inspection text, so a fact's slot more likely has contexts there.
    const inspection = useInspectionStore.getState();
    const read = current?.reads.layer ?? null;
    const haveLive = inspection.source === 'live' && read !== null && inspection.reads?.has(read);
    if (engine && read !== null && !inspection.scanning && !haveLive) {
      void scanInspectionText(engine, precomputedRun.inspectionText, INSPECTION_BYTES);
    }
  };

  let body: ReactNode;
  if (!live) {
    body = (
      <Waiting>
        <span>
          The facts are asked of the live model, the one training in your browser: they appear as soon as it
          is ready.
        </span>
      </Waiting>
    );
  } else if (!hasFacts) {
    body = (
      <Waiting>
        <span>
          This model trains on your own text, which states no facts to ask. Train on the knowledge corpus
          (lab, Corpus) to see which facts the memory holds.
        </span>
      </Waiting>
    );
  } else if (!current) {
    body = (
      <Waiting>
        <span>
          {failedFor === model ? 'The live model could not be asked.' : 'Asking the live model facts…'}
        </span>
        {failedFor === model ? (
          <button type="button" className="button" onClick={() => void ask()}>
            Try again
          </button>
        ) : null}
      </Waiting>
    );
  } else {
    body = (
      <div className="fact-panel">
        <FactRecallList
          facts={facts}
          selected={selected}
          onSelect={setPicked}
          activeSlot={chosenSlot}
          onSlot={openSlot}
        />
        <p className="figure-note">
          {formatInt(current.reads.facts.length)} of {formatInt(current.reads.probes)} facts, asked at step{' '}
          {formatInt(current.reads.step)}
          {current.reads.layer !== null ? ` · slots of the memory in block ${current.reads.layer + 1}` : ''}
          {isTraining(state) ? ' · asked again every 30 s while training' : ''}
          {' · '}
          <button type="button" className="link-button" disabled={asking} onClick={() => void ask()}>
            {asking ? 'asking…' : 'ask again now'}
          </button>
        </p>
      </div>
    );
  }
  return <div ref={ref}>{body}</div>;
}
