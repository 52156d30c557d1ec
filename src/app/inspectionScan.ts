import { useEngineStore } from '../state/engineStore';
import { useInspectionStore } from '../state/inspectionStore';
import { emptyTextReads, type TextReads } from '../state/slotContexts';
import type { EngineConnection } from './engineConnection';

let generation = 0;

/** Stops a running scan and forgets live reads (a new model makes them meaningless). */
export function cancelInspectionScan(): void {
  generation++;
  const s = useInspectionStore.getState();
  if (s.source === 'live' || s.scanning) s.clear();
}

/** The longest prefix of `text` (whole characters) of at most `bytes` UTF-8 bytes. */
export function textPrefix(text: string, bytes: number): string {
  const encoder = new TextEncoder();
  let used = 0;
  let end = 0;
  for (const ch of text) {
    const size = encoder.encode(ch).length;
    if (used + size > bytes) break;
    used += size;
    end += ch.length;
  }
  return text.slice(0, end);
}

/**
 * Reads the first `bytes` bytes of `text` with the live model (one `readText` command per memory
 * layer: batched forwards, not a trace per byte) and records which slots each byte read, for the
 * slot inspector.
 */
export async function scanInspectionText(engine: EngineConnection, text: string, bytes = 256): Promise<void> {
  const mine = ++generation;
  const layers = [...(useEngineStore.getState().model?.config.mem_layers ?? [])].sort((a, b) => a - b);
  const prefix = textPrefix(text, bytes);
  const total = new TextEncoder().encode(prefix).length;
  if (layers.length === 0 || total === 0) return;
  const reads = new Map<number, TextReads>();
  useInspectionStore.getState().progress({ done: 0, total: total * layers.length });
  for (const [i, layer] of layers.entries()) {
    const result = await engine.readText(prefix, layer);
    if (mine !== generation) return;
    if (!result) break;
    const r: TextReads = emptyTextReads(text, result.heads, result.knn);
    r.slots.set(result.slots);
    r.weights.set(result.weights);
    r.read = result.positions;
    reads.set(layer, r);
    useInspectionStore.getState().set('live', result.step, new Map(reads));
    useInspectionStore.getState().progress({ done: total * (i + 1), total: total * layers.length });
  }
  if (mine === generation) useInspectionStore.getState().progress(null);
}
