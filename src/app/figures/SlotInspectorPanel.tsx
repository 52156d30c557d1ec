import { useMemo } from 'react';
import { formatInt } from '../../components/chart/format';
import { SlotInspector } from '../../components/SlotInspector';
import { modelReady, useEngineStore } from '../../state/engineStore';
import { useInspectionStore } from '../../state/inspectionStore';
import { useRunDataStore } from '../../state/runDataStore';
import { useSelectionStore } from '../../state/selectionStore';
import { slotContexts } from '../../state/slotContexts';
import { useEngine } from '../EngineContext';
import { useLayerTrace, useLayerUsage, useShownLayer } from '../hooks';
import { scanInspectionText } from '../inspectionScan';
import { precomputedRun } from '../precomputed/precomputed';
import { Waiting } from './FigureFrame';
import { useHead } from './HeadSwitch';

/**
 * The slot shown: the one clicked, else the picked byte's heaviest slot (in the shown head) that
 * the inspection text also selected, so the inspector opens on a slot it has contexts for.
 */
export function useInspectedSlot(): number | null {
  const chosen = useSelectionStore((s) => s.slot);
  const trace = useLayerTrace();
  const head = useHead(trace?.trace.heads.length ?? 1);
  const layer = useShownLayer();
  const reads = useInspectionStore((s) => (layer === null ? undefined : s.reads?.get(layer)));
  return useMemo(() => {
    if (chosen !== null) return chosen;
    const slots = trace?.trace.heads[head]?.slots;
    if (!slots || slots.length === 0) return null;
    if (reads) for (const slot of slots) if (slotContexts(reads, slot, 1).count > 0) return slot;
    return slots[0];
  }, [chosen, trace, head, reads]);
}

/** Slot inspector over the inspection text's reads, with a live scan when there are none yet. */
export function SlotInspectorPanel({ scanBytes = 256 }: { scanBytes?: number }) {
  const engine = useEngine();
  const slot = useInspectedSlot();
  const layer = useShownLayer();
  const usage = useLayerUsage();
  const trace = useLayerTrace();
  const reads = useInspectionStore((s) => (layer === null ? undefined : s.reads?.get(layer)));
  const scanning = useInspectionStore((s) => s.scanning);
  const source = useRunDataStore((s) => s.data.source);
  const state = useEngineStore((s) => s.state);
  const n_keys = trace?.trace.n_keys ?? (usage ? Math.round(Math.sqrt(usage.slots)) : 0);
  const found = useMemo(() => (reads && slot !== null ? slotContexts(reads, slot) : null), [reads, slot]);
  const trainCount = usage && slot !== null ? usage.counts.total[slot] : undefined;
  const canScan = engine !== null && source === 'live' && modelReady(state) && !scanning;
  const scan = () => engine && void scanInspectionText(engine, precomputedRun.inspectionText, scanBytes);

  if (!reads || !found) {
    return (
      <Waiting>
        {scanning ? (
          <span>
            Tracing the inspection text with the live model… {scanning.done} / {scanning.total} bytes
          </span>
        ) : (
          <>
            <span>
              The contexts of a slot come from tracing the first bytes of the validation text through the
              model.
            </span>
            <button type="button" className="button" disabled={!canScan} onClick={scan}>
              Trace {scanBytes} bytes with the live model
            </button>
          </>
        )}
      </Waiting>
    );
  }
  if (found.count === 0 && trainCount !== undefined && trainCount > 0) {
    return (
      <Waiting>
        <span>
          None of the {formatInt(reads.read)} bytes of the validation text traced here selected slot{' '}
          {formatInt(slot!)}; training selected it {formatInt(trainCount)}×. Pick another slot, or trace more
          text.
        </span>
      </Waiting>
    );
  }
  return (
    <div className="slot-panel">
      <SlotInspector
        slot={slot}
        n_keys={n_keys}
        contexts={found.contexts}
        count={found.count}
        weight={found.weight}
      />
      <p className="figure-note">
        Contexts from {formatInt(reads.read)} bytes of the validation text
        {trainCount !== undefined ? ` · selected ${formatInt(trainCount)}× during training` : ''}
        {scanning ? ` · tracing… ${scanning.done} / ${scanning.total}` : ''}
        {source === 'live' && !scanning ? (
          <>
            {' · '}
            <button type="button" className="link-button" disabled={!canScan} onClick={scan}>
              trace again with the live model
            </button>
          </>
        ) : null}
      </p>
    </div>
  );
}
