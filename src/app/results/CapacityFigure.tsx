import { useMemo } from 'react';
import { CapacityCurve } from '../../components/CapacityCurve';
import type { ExperimentResult } from '../../model/experiments/types';
import { CHANCE_FACT_RECALL } from '../../model/factRecall';
import { capacitySeries } from './capacitySeries';

/** The capacity experiment's curve: fact recall against facts stored, per memory size and seed. */
export function CapacityFigure({ result }: { result: ExperimentResult }) {
  const series = useMemo(() => capacitySeries(result), [result]);
  return (
    <div className="results-exp__capacity">
      <h3>Fact recall against facts stored</h3>
      <CapacityCurve
        series={series}
        chance={CHANCE_FACT_RECALL}
        seeds={result.seeds}
        label={`${result.experiment} fact recall`}
      />
      <p className="lab-muted">
        A fact counts as recalled when every byte of its value is the top prediction, asked in a wording never
        trained on for that fact. Lines join the means over seeds; dots are single seeds.
      </p>
    </div>
  );
}
