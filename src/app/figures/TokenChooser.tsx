import { useMemo } from 'react';
import { formatPercent } from '../../components/chart/format';
import { TokenPicker } from '../../components/TokenPicker';
import { tokenLabel } from '../../model/tokenizer';
import { useRunDataStore } from '../../state/runDataStore';
import { useSelectionStore } from '../../state/selectionStore';
import { cutToCodePoints } from '../textCut';

/** Longest text to trace, in characters (code points: a maxLength attribute would count UTF-16 units and split an emoji). */
export const MAX_TRACE_CHARS = 256;

/** One label per UTF-8 byte: the character for ASCII, a hex escape for the bytes of other characters. */
export function byteTokens(text: string): string[] {
  return Array.from(new TextEncoder().encode(text), (b) =>
    b < 128 ? String.fromCharCode(b) : `\\x${b.toString(16)}`,
  );
}

/**
 * The text to trace (editable) and the byte picked in it, with the model's guess of the next byte.
 * The picked byte is what the lookup figures show.
 */
export function TokenChooser({ showPredictions = true }: { showPredictions?: boolean }) {
  const text = useSelectionStore((s) => s.text);
  const position = useSelectionStore((s) => s.position);
  const setText = useSelectionStore((s) => s.setText);
  const setPosition = useSelectionStore((s) => s.setPosition);
  const trace = useRunDataStore((s) => s.data.trace);
  const tokens = useMemo(() => byteTokens(text), [text]);
  const current = trace && trace.text === text && trace.position === position ? trace : null;
  return (
    <div className="token-chooser">
      <label className="field token-chooser__text">
        <span className="field__label">Text to trace</span>
        <input
          type="text"
          value={text}
          spellCheck={false}
          onChange={(e) => setText(cutToCodePoints(e.target.value, MAX_TRACE_CHARS))}
          aria-describedby="token-chooser-hint"
        />
      </label>
      <TokenPicker
        tokens={tokens}
        value={tokens.length ? position : null}
        onChange={setPosition}
        label="token to trace"
      />
      <p id="token-chooser-hint" className="token-chooser__hint">
        {showPredictions && current ? (
          <>
            After <q>{visibleContext(text, current.windowStart, position)}</q> the model expects{' '}
            {current.predictions.slice(0, 4).map((p, i) => (
              <span key={p.token} className="token-chooser__guess">
                {i > 0 ? ', ' : ''}
                <code>{tokenLabel(p.token)}</code> {formatPercent(p.probability, 0)}
              </span>
            ))}
            .
          </>
        ) : (
          'Click a byte or use the arrow keys in the strip; the figures follow.'
        )}
      </p>
    </div>
  );
}

function visibleContext(text: string, start: number, position: number): string {
  const bytes = new TextEncoder().encode(text).subarray(Math.max(start, position - 24), position + 1);
  return new TextDecoder().decode(bytes).replace(/\n/g, '↵');
}
