import { type ReactNode, useEffect, useMemo, useState } from 'react';
import { FIELD_SPECS, type ModelConfig, validateConfig } from '../../model/config';
import { useConfigStore } from '../../state/configStore';
import { useEngineStore } from '../../state/engineStore';
import { useEngine } from '../EngineContext';
import { FIELD_GROUPS, type FieldInfo, fieldMessage, formatField, parseField } from './fields';

type Draft = Record<keyof ModelConfig, string>;

function draftOf(config: ModelConfig): Draft {
  return Object.fromEntries(
    Object.entries(config).map(([k, v]) => [k, formatField(v, k as keyof ModelConfig)]),
  ) as Draft;
}

/** Every hyper-parameter, grouped; invalid values show their field's message and cannot be applied. */
export function ConfigForm() {
  const engine = useEngine();
  const config = useConfigStore((s) => s.config);
  const busy = useEngineStore(
    (s) => s.state === 'building' || s.state === 'warming' || s.state === 'starting',
  );
  const [draft, setDraft] = useState<Draft>(() => draftOf(config));
  useEffect(() => setDraft(draftOf(config)), [config]);

  const { errors, parsed } = useMemo(() => {
    const input = Object.fromEntries(
      Object.entries(draft).map(([k, raw]) => [k, parseField(k as keyof ModelConfig, raw)]),
    );
    const result = validateConfig(input);
    const errors = new Map<keyof ModelConfig, string>();
    const layers = Number.isInteger(input.layers) ? (input.layers as number) : config.layers;
    if (!result.ok) {
      for (const e of result.errors) {
        const message = fieldMessage(e.field, e.message, draft[e.field], layers);
        if (!errors.has(e.field)) errors.set(e.field, message);
        for (const r of e.related ?? []) if (!errors.has(r)) errors.set(r, `see ${e.field}: ${message}`);
      }
    }
    return { errors, parsed: result.ok ? result.config : null };
  }, [draft, config.layers]);
  const changed = parsed !== null && JSON.stringify(parsed) !== JSON.stringify(config);
  const dirty = JSON.stringify(draft) !== JSON.stringify(draftOf(config));

  const set = (field: keyof ModelConfig, raw: string) => setDraft((d) => ({ ...d, [field]: raw }));
  return (
    <form
      className="config-form"
      aria-label="Settings"
      onSubmit={(e) => {
        e.preventDefault();
        if (parsed && changed) void engine?.apply(parsed);
      }}
    >
      {FIELD_GROUPS.map((group) => (
        <fieldset key={group.id} className="config-form__group">
          <legend>{group.title}</legend>
          {group.fields.map((info) => (
            <Field
              key={info.field}
              info={info}
              raw={draft[info.field]}
              error={errors.get(info.field)}
              onChange={set}
            />
          ))}
        </fieldset>
      ))}
      <div className="config-form__actions">
        <button
          type="submit"
          className="button button--primary"
          disabled={!changed || busy || engine === null}
        >
          Apply and rebuild
        </button>
        <button type="button" className="button" disabled={!dirty} onClick={() => setDraft(draftOf(config))}>
          Revert
        </button>
        <span className="config-form__status" role="status">
          {errors.size > 0
            ? `${errors.size} setting${errors.size > 1 ? 's' : ''} to fix`
            : changed
              ? 'Changes not applied yet'
              : 'The model uses these settings'}
        </span>
      </div>
    </form>
  );
}

function Field({
  info,
  raw,
  error,
  onChange,
}: {
  info: FieldInfo;
  raw: string;
  error?: string;
  onChange: (field: keyof ModelConfig, raw: string) => void;
}) {
  const spec = FIELD_SPECS[info.field];
  const id = `cfg-${info.field}`;
  const describedBy = `${id}-help`;
  let control: ReactNode;
  if (spec.kind === 'choice') {
    control = (
      <select
        id={id}
        value={raw}
        onChange={(e) => onChange(info.field, e.target.value)}
        aria-describedby={describedBy}
        aria-invalid={error ? true : undefined}
      >
        {spec.values.map((v) => (
          <option key={v} value={v} disabled={info.field === 'corpus' && v === 'user'}>
            {v === 'user' ? 'user (bring your own text)' : v}
          </option>
        ))}
      </select>
    );
  } else if (spec.kind === 'bool') {
    control = (
      <input
        id={id}
        type="checkbox"
        checked={raw === 'true'}
        onChange={(e) => onChange(info.field, String(e.target.checked))}
        aria-describedby={describedBy}
        aria-invalid={error ? true : undefined}
      />
    );
  } else {
    const numeric = spec.kind === 'int' || spec.kind === 'number';
    control = (
      <input
        id={id}
        type="text"
        inputMode={spec.kind === 'number' ? 'decimal' : numeric ? 'numeric' : 'text'}
        value={raw}
        onChange={(e) => onChange(info.field, e.target.value)}
        aria-describedby={describedBy}
        aria-invalid={error ? true : undefined}
        spellCheck={false}
        autoComplete="off"
      />
    );
  }
  const range =
    spec.kind === 'int' || spec.kind === 'number'
      ? `${spec.min}–${spec.max}`
      : spec.kind === 'int-list'
        ? info.field === 'mem_layers'
          ? `${spec.min + 1}–${spec.max + 1}`
          : `${spec.min}–${spec.max}`
        : '';
  return (
    <div className={`config-field config-field--${spec.kind}${error ? ' has-error' : ''}`}>
      <label htmlFor={id} className="config-field__label">
        {info.label}
        <code className="config-field__key">{info.field}</code>
      </label>
      {control}
      <p
        id={describedBy}
        className={error ? 'config-field__error' : 'config-field__help'}
        role={error ? 'alert' : undefined}
      >
        {error ?? `${info.help}${range ? ` · ${range}` : ''}`}
      </p>
    </div>
  );
}
