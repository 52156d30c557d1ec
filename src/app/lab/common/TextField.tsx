export interface TextFieldProps {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  /** The on-screen keyboard to offer; the text itself is parsed and checked by the caller. */
  inputMode?: 'numeric' | 'decimal' | 'text';
  placeholder?: string;
  /** Marks the input invalid for assistive technology (the caller shows the message). */
  invalid?: boolean;
}

/** A labelled one-line text input of the lab's forms. */
export function TextField({ id, label, value, onChange, inputMode, placeholder, invalid }: TextFieldProps) {
  return (
    <label className="field" htmlFor={id}>
      <span className="field__label">{label}</span>
      <input
        id={id}
        type="text"
        inputMode={inputMode}
        placeholder={placeholder}
        value={value}
        aria-invalid={invalid ? true : undefined}
        onChange={(e) => onChange(e.target.value)}
      />
    </label>
  );
}
