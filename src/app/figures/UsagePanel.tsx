import { useMemo } from 'react';
import { CoverageStats } from '../../components/CoverageStats';
import { UsageHeatmap, type UsageSeries } from '../../components/UsageHeatmap';
import { useRunDataStore } from '../../state/runDataStore';
import { useSelectionStore } from '../../state/selectionStore';
import { useUiStore } from '../../state/uiStore';
import { useLayerUsage, useShownLayer } from '../hooks';
import { Waiting } from './FigureFrame';

/** The usage heat map of the shown layer: one series per head and all heads together. */
export function UsagePanel({ maxSize = 520 }: { maxSize?: number }) {
  const usage = useLayerUsage();
  const setSlot = useSelectionStore((s) => s.setSlot);
  // The heat map reads CSS colours when it paints: a theme switch must repaint it.
  const theme = useUiStore((s) => s.theme);
  const series = useMemo<UsageSeries[]>(() => {
    if (!usage) return [];
    return [
      { label: 'All heads', counts: usage.counts.total, weights: usage.weights.total },
      ...usage.counts.perHead.map((counts, h) => ({
        label: `Head ${h + 1}`,
        counts,
        weights: usage.weights.perHead[h],
      })),
    ];
  }, [usage]);
  // Before the first training step every slot is unread: a blank square would look broken.
  if (!usage || usage.tokens === 0 || usage.counts.max === 0) {
    return (
      <Waiting>
        <span>
          {usage
            ? 'No slot read yet: the map fills in as the model trains (press Train or Step).'
            : 'The usage map appears as soon as the model has read its first tokens.'}
        </span>
      </Waiting>
    );
  }
  return (
    <UsageHeatmap
      key={theme}
      n_keys={Math.round(Math.sqrt(usage.slots))}
      series={series}
      onSelectSlot={setSlot}
      maxSize={maxSize}
      defaultScale="log"
      usedOver="in training"
    />
  );
}

/** XLM's memory metrics on the fixed validation set, over the run (whole memory or one head). */
export function CoveragePanel({ head = null }: { head?: number | null }) {
  const layer = useShownLayer();
  const coverage = useRunDataStore((s) => s.data.coverage);
  const c = coverage.find((x) => x.layer === layer) ?? coverage[0];
  const history = c ? (head === null ? c.total : (c.perHead[head] ?? [])) : [];
  return (
    <CoverageStats
      history={history}
      slots={c?.slots ?? 0}
      over="on the validation set"
      label={`${c ? `layer ${c.layer + 1}` : 'memory'}${head === null ? '' : `, head ${head + 1}`}, validation set`}
    />
  );
}
