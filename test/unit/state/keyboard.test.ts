import { describe, expect, it } from 'vitest';
import { handleShortcut, type ShortcutActions } from '../../../src/app/shell/keyboard';

function recorder() {
  const calls: string[] = [];
  const actions: ShortcutActions = {
    toggleTraining: () => calls.push('toggle'),
    step: () => calls.push('step'),
    reset: () => calls.push('reset'),
    toggleHelp: () => calls.push('help'),
    closeHelp: () => calls.push('close'),
  };
  return { calls, actions };
}

const key = (k: string, extra: Partial<KeyboardEvent> = {}) => ({
  key: k,
  target: null,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  ...extra,
});

describe('keyboard shortcuts', () => {
  it('space trains or pauses, s steps, r resets, ? toggles the help, Esc closes it', () => {
    const { calls, actions } = recorder();
    for (const k of [' ', 's', 'r', '?', 'x']) handleShortcut(key(k), actions);
    expect(handleShortcut(key('Escape'), actions)).toBe(false);
    expect(calls).toEqual(['toggle', 'step', 'reset', 'help', 'close']);
  });

  it('leaves keys to text fields, and space to controls that it activates', () => {
    const { calls, actions } = recorder();
    const el = (tagName: string, attrs: Record<string, string> = {}) => ({
      tagName,
      isContentEditable: false,
      type: attrs.type ?? '',
      getAttribute: (name: string) => attrs[name] ?? null,
    });
    const target = (t: ReturnType<typeof el>) => t as unknown as EventTarget;
    expect(handleShortcut(key('s', { target: target(el('INPUT', { type: 'text' })) }), actions)).toBe(false);
    expect(handleShortcut(key('r', { target: target(el('TEXTAREA')) }), actions)).toBe(false);
    expect(handleShortcut(key(' ', { target: target(el('BUTTON')) }), actions)).toBe(false);
    expect(handleShortcut(key(' ', { target: target(el('DIV', { role: 'listbox' })) }), actions)).toBe(false);
    expect(handleShortcut(key(' ', { target: target(el('INPUT', { type: 'checkbox' })) }), actions)).toBe(
      false,
    );
    expect(handleShortcut(key('s', { target: target(el('BUTTON')) }), actions)).toBe(true);
    expect(handleShortcut(key('s', { target: target(el('INPUT', { type: 'checkbox' })) }), actions)).toBe(
      true,
    );
    expect(handleShortcut(key(' ', { target: target(el('DIV')) }), actions)).toBe(true);
    expect(calls).toEqual(['step', 'step', 'toggle']);
  });

  it('leaves keys with modifiers to the browser', () => {
    const { calls, actions } = recorder();
    expect(handleShortcut(key('r', { ctrlKey: true }), actions)).toBe(false);
    expect(handleShortcut(key('s', { metaKey: true }), actions)).toBe(false);
    expect(calls).toEqual([]);
  });
});
