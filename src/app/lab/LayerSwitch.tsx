import { Segmented } from '../../components/chart/Segmented';
import { useSelectionStore } from '../../state/selectionStore';
import { useShownLayer } from '../hooks';

/** Picks the memory layer the figures show (hidden with a single memory layer). */
export function LayerSwitch({ layers }: { layers: readonly number[] }) {
  const shown = useShownLayer();
  const setLayer = useSelectionStore((s) => s.setLayer);
  if (layers.length <= 1) return null;
  return (
    <Segmented
      label="Memory layer"
      options={layers.map((l) => ({ value: String(l), label: `Block ${l + 1}` }))}
      value={String(shown ?? layers[0])}
      onChange={(v) => setLayer(Number(v))}
    />
  );
}
