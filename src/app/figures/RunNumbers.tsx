import { formatInt, formatPercent, formatValue } from '../../components/chart/format';
import { useRunDataStore } from '../../state/runDataStore';
import { useShownLayer } from '../hooks';

/** The latest validation numbers (loss, bits per byte, usage) and the latest fact recall, each with its step. */
export function RunNumbers() {
  const report = useRunDataStore((s) => s.data.eval);
  const recall = useRunDataStore((s) => s.data.recall.at(-1) ?? null);
  const layer = useShownLayer();
  if (!report && !recall) {
    return (
      <p className="run-numbers run-numbers--empty">
        No validation yet: it runs every few hundred steps while training.
      </p>
    );
  }
  const memory = report ? (report.memories.find((m) => m.layer === layer) ?? report.memories[0]) : null;
  return (
    <dl className="run-numbers">
      {report ? (
        <>
          <div>
            <dt>Validation loss</dt>
            <dd>{formatValue(report.loss)}</dd>
          </div>
          <div>
            <dt>Bits per byte</dt>
            <dd>{formatValue(report.bitsPerByte)}</dd>
          </div>
        </>
      ) : null}
      {memory ? (
        <div>
          <dt>Usage (validation)</dt>
          <dd>{formatPercent(memory.metrics.usage)}</dd>
        </div>
      ) : null}
      {recall ? (
        <div>
          {/* Measured on its own schedule: its step is not the validation's. */}
          <dt>Fact recall · step {formatInt(recall.step)}</dt>
          <dd>{formatPercent(recall.accuracy)}</dd>
        </div>
      ) : null}
      {report ? <div className="run-numbers__step">validation at step {formatInt(report.step)}</div> : null}
    </dl>
  );
}
