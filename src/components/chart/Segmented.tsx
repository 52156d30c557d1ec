import { useId } from 'react';

export interface SegmentedProps<T extends string> {
  /** Accessible name of the group, e.g. "Order". */
  label: string;
  options: readonly { value: T; label: string }[];
  value: T;
  onChange: (value: T) => void;
}

/** A row of native radio buttons styled as a segmented control (arrow keys move between them). */
export function Segmented<T extends string>({ label, options, value, onChange }: SegmentedProps<T>) {
  const name = useId();
  return (
    <div className="pkm-segmented" role="radiogroup" aria-label={label}>
      <span className="pkm-segmented__label" aria-hidden="true">
        {label}
      </span>
      {options.map((o) => (
        <label key={o.value} className="pkm-segmented__option">
          <input
            type="radio"
            name={name}
            value={o.value}
            checked={o.value === value}
            onChange={() => onChange(o.value)}
          />
          <span>{o.label}</span>
        </label>
      ))}
    </div>
  );
}
