import { formatCount, formatInt } from '../../components/chart/format';
import { useEngineStore } from '../../state/engineStore';
import { trainingCorpus, useUserTextStore } from '../../state/userTextStore';

function bytes(n: number): string {
  return n >= 2 ** 30 ? `${(n / 2 ** 30).toFixed(2)} GiB` : `${(n / 2 ** 20).toFixed(1)} MiB`;
}

/** What the engine built: parameters, estimated memory, warm-up cost, backend. */
export function ModelInfoCard() {
  const info = useEngineStore((s) => s.model);
  const warmup = useEngineStore((s) => s.warmup);
  const switched = useUserTextStore((s) => s.switched);
  if (!info) {
    return (
      <p className="lab-muted">
        {warmup ? `${warmup.message} (${Math.round(warmup.fraction * 100)}%)` : 'No model yet.'}
      </p>
    );
  }
  const p = info.parameters;
  const corpus = trainingCorpus(info, switched);
  return (
    <dl className="info-list">
      <div>
        <dt>Parameters</dt>
        <dd>
          {formatCount(p.total)}{' '}
          <span className="lab-muted">({formatCount(p.memoryValues)} memory values)</span>
        </dd>
      </div>
      <div>
        <dt>Memory estimate</dt>
        <dd>
          {bytes(info.memory.totalBytes)}{' '}
          <span className="lab-muted">of {bytes(info.memory.capBytes)} allowed</span>
        </dd>
      </div>
      <div>
        <dt>Warm-up</dt>
        <dd>
          {formatInt(info.warmup.totalMs)} ms{' '}
          <span className="lab-muted">
            (build {formatInt(info.warmup.buildMs)}, compile {formatInt(info.warmup.compileMs)})
          </span>
        </dd>
      </div>
      <div>
        <dt>Corpus</dt>
        <dd>
          {corpus.kind === 'user' ? corpus.name : 'the knowledge corpus'}{' '}
          <span className="lab-muted">{formatCount(corpus.trainBytes)} bytes to train on</span>
        </dd>
      </div>
    </dl>
  );
}
