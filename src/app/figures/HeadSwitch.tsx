import { Segmented } from '../../components/chart/Segmented';
import { useSelectionStore } from '../../state/selectionStore';

/** Picks the memory head the per-head figures show (hidden with a single head). */
export function HeadSwitch({ heads }: { heads: number }) {
  const head = useSelectionStore((s) => s.head);
  const setHead = useSelectionStore((s) => s.setHead);
  if (heads <= 1) return null;
  return (
    <Segmented
      label="Head"
      options={Array.from({ length: heads }, (_, h) => ({ value: String(h), label: String(h + 1) }))}
      value={String(Math.min(head, heads - 1))}
      onChange={(v) => setHead(Number(v))}
    />
  );
}

/** The selected head, clamped to the heads there are. */
export function useHead(heads: number): number {
  const head = useSelectionStore((s) => s.head);
  return Math.min(head, Math.max(0, heads - 1));
}
