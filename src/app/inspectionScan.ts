import { useInspectionStore } from '../state/inspectionStore';
import { useRunDataStore } from '../state/runDataStore';
import { emptyTextReads, recordRead, type TextReads } from '../state/slotContexts';
import type { EngineConnection } from './engineConnection';

let generation = 0;

/** Stops a running scan and forgets live reads (a new model makes them meaningless). */
export function cancelInspectionScan(): void {
  generation++;
  const s = useInspectionStore.getState();
  if (s.source === 'live' || s.scanning) s.clear();
}

/**
 * Traces the first `bytes` bytes of `text` one by one with the live model and records which slots
 * each byte read, for the slot inspector. The protocol has no command that returns the reads of a
 * whole text at once, so this costs one `trace` request per byte.
 */
export async function scanInspectionText(engine: EngineConnection, text: string, bytes = 256): Promise<void> {
  const mine = ++generation;
  const step = useRunDataStore.getState().data.step;
  const total = Math.min(bytes, new TextEncoder().encode(text).length);
  const reads = new Map<number, TextReads>();
  useInspectionStore.getState().progress({ done: 0, total });
  for (let p = 0; p < total; p++) {
    const trace = await engine.trace(text, p);
    if (mine !== generation) return;
    if (!trace) break;
    for (const { layer, trace: t } of trace.layers) {
      let r = reads.get(layer);
      if (!r) {
        r = emptyTextReads(text, t.heads.length, t.knn);
        reads.set(layer, r);
      }
      recordRead(r, p, t.heads);
    }
    if (p % 16 === 15 || p === total - 1) {
      useInspectionStore.getState().set('live', step, new Map(reads));
      useInspectionStore.getState().progress({ done: p + 1, total });
    }
  }
  if (mine === generation) useInspectionStore.getState().progress(null);
}
