import type { KeyboardEvent } from 'react';

/**
 * Arrow-key movement of a 2-D cursor over a rows × cols grid (Home/End jump to the row's ends).
 * Returns the new cursor, or null when the key is not a navigation key.
 */
export function moveCursor(
  event: KeyboardEvent,
  cursor: { row: number; col: number } | null,
  rows: number,
  cols: number,
): { row: number; col: number } | null {
  const c = cursor ?? { row: 0, col: 0 };
  const step = event.shiftKey ? 10 : 1;
  const clamp = (v: number, n: number) => Math.max(0, Math.min(n - 1, v));
  switch (event.key) {
    case 'ArrowLeft':
      return { row: c.row, col: clamp(c.col - step, cols) };
    case 'ArrowRight':
      return { row: c.row, col: cursor ? clamp(c.col + step, cols) : 0 };
    case 'ArrowUp':
      return { row: clamp(c.row - step, rows), col: c.col };
    case 'ArrowDown':
      return { row: cursor ? clamp(c.row + step, rows) : 0, col: c.col };
    case 'Home':
      return { row: c.row, col: 0 };
    case 'End':
      return { row: c.row, col: cols - 1 };
    default:
      return null;
  }
}
