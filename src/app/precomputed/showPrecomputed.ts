import { useInspectionStore } from '../../state/inspectionStore';
import { useRunDataStore } from '../../state/runDataStore';
import { useSelectionStore } from '../../state/selectionStore';
import {
  loadPrecomputedBinary,
  loadPrecomputedTraces,
  precomputedRun,
  precomputedRunData,
} from './precomputed';

/**
 * Shows the precomputed run in every figure (until the live model replaces it): its histories and
 * default trace now, its usage maps as soon as the binary is in.
 */
export function showPrecomputed(): void {
  useRunDataStore.getState().replace(precomputedRunData(), null);
  loadPrecomputedBinary().then(
    (b) => {
      if (useRunDataStore.getState().data.source !== 'precomputed') return;
      useRunDataStore.getState().usageLoaded(b.usage, 'precomputed');
      useInspectionStore.getState().set('precomputed', precomputedRun.steps, b.reads);
    },
    (err: Error) => console.warn(`precomputed usage maps: ${err.message}`),
  );
  void precomputedTraceFor();
}

/**
 * While the precomputed run is shown, the token picker still works on the default text: every one
 * of its bytes was traced by the script. Another text has no precomputed trace (null).
 */
export async function precomputedTraceFor(): Promise<void> {
  const { text, position } = useSelectionStore.getState();
  if (text === precomputedRun.trace.text && position === precomputedRun.trace.position) {
    useRunDataStore.getState().traced(precomputedRun.trace);
    return;
  }
  const all = await loadPrecomputedTraces().catch(() => null);
  const now = useSelectionStore.getState();
  if (
    useRunDataStore.getState().data.source !== 'precomputed' ||
    now.text !== text ||
    now.position !== position
  ) {
    return;
  }
  useRunDataStore.getState().traced(all && all.text === text ? (all.traces[position] ?? null) : null);
}

/** Follows the selection while the precomputed run is shown. Returns the unsubscribe function. */
export function followSelectionWithPrecomputed(): () => void {
  return useSelectionStore.subscribe((s, prev) => {
    if (useRunDataStore.getState().data.source !== 'precomputed') return;
    if (s.text !== prev.text || s.position !== prev.position) void precomputedTraceFor();
  });
}
