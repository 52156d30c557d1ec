import { useMemo } from 'react';
import { LossChart, type LossRun } from '../../components/LossChart';
import { lossSeries } from '../../state/lossHistory';
import { useRunDataStore } from '../../state/runDataStore';

/** Training (every step) and validation loss; the precomputed run stays as a reference once live. */
export function LossPanel({ height = 240 }: { height?: number }) {
  const losses = useRunDataStore((s) => s.data.losses);
  const val = useRunDataStore((s) => s.data.val);
  const source = useRunDataStore((s) => s.data.source);
  const step = useRunDataStore((s) => s.data.step);
  const reference = useRunDataStore((s) => s.reference);
  const runs = useMemo(() => {
    // The finished run is there to compare with: the step axis follows the run shown.
    const list: LossRun[] = reference ? [{ ...reference, reference: true }] : [];
    if (source !== 'none') {
      const valSeries = {
        steps: Float64Array.from(val, (v) => v.step),
        loss: Float32Array.from(val, (v) => v.loss),
      };
      list.push({
        name: source === 'precomputed' ? `precomputed (${step} steps)` : 'live model',
        train: lossSeries(losses),
        val: valSeries,
      });
    }
    return list;
  }, [losses, val, source, step, reference]);
  return <LossChart runs={runs} height={height} label={source === 'live' ? 'live model' : undefined} />;
}
