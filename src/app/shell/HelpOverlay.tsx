import { useEffect, useRef } from 'react';
import { useUiStore } from '../../state/uiStore';

const SHORTCUTS: [string, string][] = [
  ['Space', 'Train / pause'],
  ['S', 'One training step'],
  ['R', 'Reset the model (fresh weights, same settings; a notice offers Undo)'],
  ['?', 'Show or hide this help'],
  ['Esc', 'Close this help'],
];

const FIGURE_KEYS: [string, string][] = [
  ['← → ↑ ↓', 'Move the cursor in a focused figure (read a value)'],
  ['+ − 0', 'Zoom in, out, reset (usage heat map)'],
  ['Enter', 'Inspect the slot under the cursor'],
];

/** The keyboard shortcuts, as a modal dialog (the ? key or the header's ? button). */
export function HelpOverlay() {
  const open = useUiStore((s) => s.helpOpen);
  const setOpen = useUiStore((s) => s.setHelpOpen);
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);
  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents: a click on the backdrop closes it; Esc does the same natively
    <dialog
      ref={ref}
      className="help-dialog"
      aria-label="Keyboard shortcuts"
      onClose={() => setOpen(false)}
      onClick={(e) => {
        if (e.target === ref.current) setOpen(false);
      }}
    >
      <div className="help-dialog__content">
        <h2>Keyboard shortcuts</h2>
        <p className="help-dialog__note">Shortcuts are ignored while you type in a field.</p>
        <table className="help-dialog__table">
          <tbody>
            {SHORTCUTS.map(([k, what]) => (
              <tr key={k}>
                <th scope="row">
                  <kbd>{k}</kbd>
                </th>
                <td>{what}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <h3>In the figures</h3>
        <table className="help-dialog__table">
          <tbody>
            {FIGURE_KEYS.map(([k, what]) => (
              <tr key={k}>
                <th scope="row">
                  <kbd>{k}</kbd>
                </th>
                <td>{what}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <div className="help-dialog__actions">
          <button type="button" className="button" onClick={() => setOpen(false)}>
            Close
          </button>
        </div>
      </div>
    </dialog>
  );
}
