import { type ThemeChoice, useUiStore } from '../../state/uiStore';

const OPTIONS: { value: ThemeChoice; label: string; icon: string }[] = [
  { value: 'system', label: 'System theme', icon: '◐' },
  { value: 'light', label: 'Light theme', icon: '☀' },
  { value: 'dark', label: 'Dark theme', icon: '☾' },
];

/** Light, dark or follow the system; remembered in this browser. */
export function ThemeToggle() {
  const theme = useUiStore((s) => s.theme);
  const setTheme = useUiStore((s) => s.setTheme);
  return (
    <div className="theme-toggle" role="radiogroup" aria-label="Theme">
      {OPTIONS.map((o) => (
        <label key={o.value} className="theme-toggle__option" title={o.label}>
          <input
            type="radio"
            name="pkm-theme"
            value={o.value}
            checked={theme === o.value}
            onChange={() => setTheme(o.value)}
            aria-label={o.label}
          />
          <span aria-hidden="true">{o.icon}</span>
        </label>
      ))}
    </div>
  );
}
