/**
 * Whether a key press belongs to what has focus rather than to the app's shortcuts: typing in a
 * text field, and for the space bar any control that space activates (buttons, checkboxes, radios,
 * links, listboxes, the figures' keyboard-driven plots).
 */
export function keyBelongsToTarget(target: EventTarget | null, key: string): boolean {
  // Duck-typed (not instanceof Element) so it also works on targets from other realms.
  const el = target as HTMLElement | null;
  if (!el || typeof el.tagName !== 'string') return false;
  if (el.isContentEditable) return true;
  const tag = el.tagName;
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  if (tag === 'INPUT') {
    const type = (el as HTMLInputElement).type;
    const textLike = !['checkbox', 'radio', 'button', 'submit', 'reset', 'range', 'color', 'file'].includes(
      type,
    );
    return textLike || key === ' ';
  }
  if (key !== ' ') return false;
  if (tag === 'BUTTON' || tag === 'A' || tag === 'SUMMARY') return true;
  const role = el.getAttribute('role');
  return (
    role !== null &&
    [
      'button',
      'link',
      'checkbox',
      'radio',
      'switch',
      'option',
      'listbox',
      'application',
      'slider',
      'tab',
      'menuitem',
    ].includes(role)
  );
}

export interface ShortcutActions {
  toggleTraining(): void;
  step(): void;
  reset(): void;
  toggleHelp(): void;
  closeHelp(): void;
}

/** Handles one keydown; returns true when it was a shortcut (the caller prevents the default). */
export function handleShortcut(
  e: Pick<KeyboardEvent, 'key' | 'target' | 'ctrlKey' | 'metaKey' | 'altKey'>,
  actions: ShortcutActions,
): boolean {
  if (e.ctrlKey || e.metaKey || e.altKey) return false;
  if (e.key === 'Escape') {
    actions.closeHelp();
    return false;
  }
  if (keyBelongsToTarget(e.target, e.key)) return false;
  switch (e.key) {
    case ' ':
      actions.toggleTraining();
      return true;
    case 's':
    case 'S':
      actions.step();
      return true;
    case 'r':
    case 'R':
      actions.reset();
      return true;
    case '?':
      actions.toggleHelp();
      return true;
    default:
      return false;
  }
}
