import { useMemo } from 'react';
import type { LayerTrace, LayerUsage } from '../engine/protocol';
import { layerUsage, usedFraction } from '../state/runData';
import { useRunDataStore } from '../state/runDataStore';
import { useSelectionStore } from '../state/selectionStore';

/** The memory layer shown: the selected one, else the first layer that has data. */
export function useShownLayer(): number | null {
  const selected = useSelectionStore((s) => s.layer);
  const trace = useRunDataStore((s) => s.data.trace);
  const usage = useRunDataStore((s) => s.data.usage);
  if (selected !== null) return selected;
  return trace?.layers[0]?.layer ?? usage?.[0]?.layer ?? null;
}

/** The selected token's trace in the shown layer, or null. */
export function useLayerTrace(): LayerTrace | null {
  const trace = useRunDataStore((s) => s.data.trace);
  const layer = useShownLayer();
  if (!trace || trace.layers.length === 0) return null;
  return trace.layers.find((l) => l.layer === layer) ?? trace.layers[0];
}

export function useLayerUsage(): LayerUsage | null {
  const data = useRunDataStore((s) => s.data);
  const layer = useShownLayer();
  return layerUsage(data, layer);
}

/** Fraction of the shown layer's slots read at least once (all heads), or null. */
export function useUsedFraction(): number | null {
  const usage = useLayerUsage();
  return useMemo(() => usedFraction(usage), [usage]);
}
