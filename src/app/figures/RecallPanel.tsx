import { useMemo } from 'react';
import { formatInt } from '../../components/chart/format';
import { RecallChart } from '../../components/RecallChart';
import { DEFAULT_ENGINE_OPTIONS } from '../../engine/options';
import { CHANCE_FACT_RECALL } from '../../model/factRecall';
import { useConfigStore } from '../../state/configStore';
import { useRunDataStore } from '../../state/runDataStore';

/** The live fact-recall curve, on the loss chart's step range so the two line up when stacked. */
export function RecallPanel({ height = 160 }: { height?: number }) {
  const recall = useRunDataStore((s) => s.data.recall);
  const losses = useRunDataStore((s) => s.data.losses);
  const val = useRunDataStore((s) => s.data.val);
  const step = useRunDataStore((s) => s.data.step);
  const source = useRunDataStore((s) => s.data.source);
  const corpus = useConfigStore((s) => s.config.corpus);
  // The loss chart's axis starts at its first training or validation step (a step-0 validation).
  const steps = useMemo((): [number, number] => {
    const first = Math.min(losses.length > 0 ? losses.steps[0] : step, val[0]?.step ?? step);
    return [first, Math.max(step, first + 1)];
  }, [losses, val, step]);
  const emptyMessage =
    corpus === 'user'
      ? 'Fact recall is measured on the knowledge corpus only: your own text has no facts to ask about.'
      : `Recall is measured every ${formatInt(DEFAULT_ENGINE_OPTIONS.recallEvery)} steps while training.`;
  return (
    <RecallChart
      points={recall}
      chance={CHANCE_FACT_RECALL}
      steps={steps}
      height={height}
      emptyMessage={emptyMessage}
      label={source === 'live' ? 'live model' : undefined}
    />
  );
}
