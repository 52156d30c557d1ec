import { useEffect, useState } from 'react';
import type { ModelConfig } from '../../../model/config';
import { useEngineStore } from '../../../state/engineStore';
import { useEngine } from '../../EngineContext';
import type { EngineConnection } from '../../engineConnection';

/**
 * A choice for one config field that rebuilds the model on confirmation and starts training it, as
 * the button says.
 */
export function RebuildControl<K extends 'knn' | 'query_norm' | 'heads'>({
  field,
  label,
  options,
  current,
}: {
  field: K;
  label: string;
  options: { value: ModelConfig[K]; label: string }[];
  current: ModelConfig[K];
}) {
  const engine = useEngine();
  const building = useEngineStore((s) => s.state === 'building' || s.state === 'warming');
  const [draft, setDraft] = useState(current);
  useEffect(() => setDraft(current), [current]);
  const changed = draft !== current;
  return (
    <div className="rebuild">
      <label className="field field--inline">
        <span className="field__label">{label}</span>
        <select
          value={String(draft)}
          onChange={(e) => {
            const o = options.find((x) => String(x.value) === e.target.value);
            if (o) setDraft(o.value);
          }}
        >
          {options.map((o) => (
            <option key={String(o.value)} value={String(o.value)}>
              {o.label}
            </option>
          ))}
        </select>
      </label>
      <button
        type="button"
        className="button"
        disabled={!changed || engine === null || building}
        onClick={() => void rebuildAndTrain(engine, { [field]: draft } as Partial<ModelConfig>)}
      >
        Rebuild and retrain
      </button>
      <span className="rebuild__note">{changed ? 'Training starts again from fresh weights.' : ''}</span>
    </div>
  );
}

/** Applies the change (a fresh model) and, once it is built, trains it. */
async function rebuildAndTrain(engine: EngineConnection | null, patch: Partial<ModelConfig>): Promise<void> {
  if (!engine) return;
  const errors = await engine.apply(patch);
  if (errors.length === 0 && useEngineStore.getState().model) await engine.train();
}
