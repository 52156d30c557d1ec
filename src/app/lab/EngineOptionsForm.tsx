import { useState } from 'react';
import { useEngine } from '../EngineContext';

/** The engine's own cadences: how often it validates and how fast the live usage map forgets. */
export function EngineOptionsForm() {
  const engine = useEngine();
  const [evalEvery, setEvalEvery] = useState('100');
  const [halfLife, setHalfLife] = useState('0');
  const e = Number(evalEvery);
  const h = Number(halfLife);
  const evalOk = Number.isInteger(e) && e >= 0 && e <= 100_000;
  const halfOk = Number.isFinite(h) && h >= 0 && h <= 1_000_000;
  return (
    <form
      className="engine-options"
      aria-label="Engine settings"
      onSubmit={(ev) => {
        ev.preventDefault();
        if (evalOk && halfOk) void engine?.setOptions({ evalEvery: e, usageHalfLife: h });
      }}
    >
      <div className={`config-field${evalOk ? '' : ' has-error'}`}>
        <label htmlFor="opt-eval" className="config-field__label">
          Validate every
        </label>
        <input
          id="opt-eval"
          type="text"
          inputMode="numeric"
          value={evalEvery}
          onChange={(x) => setEvalEvery(x.target.value)}
          aria-invalid={evalOk ? undefined : true}
        />
        <p className={evalOk ? 'config-field__help' : 'config-field__error'}>
          {evalOk ? 'steps; 0 = only when asked' : 'a whole number of steps from 0 to 100000'}
        </p>
      </div>
      <div className={`config-field${halfOk ? '' : ' has-error'}`}>
        <label htmlFor="opt-half" className="config-field__label">
          Usage half-life
        </label>
        <input
          id="opt-half"
          type="text"
          inputMode="numeric"
          value={halfLife}
          onChange={(x) => setHalfLife(x.target.value)}
          aria-invalid={halfOk ? undefined : true}
        />
        <p className={halfOk ? 'config-field__help' : 'config-field__error'}>
          {halfOk ? 'steps; 0 = count every read since the start' : 'a number of steps ≥ 0'}
        </p>
      </div>
      <div className="config-form__actions">
        <button type="submit" className="button" disabled={!evalOk || !halfOk || engine === null}>
          Set
        </button>
        <button
          type="button"
          className="button"
          disabled={engine === null}
          onClick={() => void engine?.evaluate()}
        >
          Validate now
        </button>
      </div>
    </form>
  );
}
