import { formatPercent, formatValue } from '../../components/chart/format';
import { useRunDataStore } from '../../state/runDataStore';
import { useShownLayer } from '../hooks';

/** The latest validation numbers: loss, bits per byte, usage and fact recall when measured. */
export function RunNumbers() {
  const report = useRunDataStore((s) => s.data.eval);
  const layer = useShownLayer();
  if (!report) {
    return (
      <p className="run-numbers run-numbers--empty">
        No validation yet: it runs every few hundred steps while training.
      </p>
    );
  }
  const memory = report.memories.find((m) => m.layer === layer) ?? report.memories[0];
  return (
    <dl className="run-numbers">
      <div>
        <dt>Validation loss</dt>
        <dd>{formatValue(report.loss)}</dd>
      </div>
      <div>
        <dt>Bits per byte</dt>
        <dd>{formatValue(report.bitsPerByte)}</dd>
      </div>
      {memory ? (
        <div>
          <dt>Usage (validation)</dt>
          <dd>{formatPercent(memory.metrics.usage)}</dd>
        </div>
      ) : null}
      {report.recall ? (
        <div>
          <dt>Fact recall</dt>
          <dd>{formatPercent(report.recall.accuracy)}</dd>
        </div>
      ) : null}
      <div className="run-numbers__step">at step {report.step}</div>
    </dl>
  );
}
