import { useEffect, useId, useRef, useState } from 'react';
import { formatMs } from '../../../components/chart/format';
import type { EngineEvent } from '../../../engine/protocol';
import { useEngineStore } from '../../../state/engineStore';
import { useEngine } from '../../EngineContext';
import { Message } from '../common/DropZone';
import { cancelEngineWork, errorMessage, isCancelled } from '../common/errors';
import { generateProblems } from './generateArgs';
import '../common/labFeatures.css';
import './generate.css';
import { TextField } from '../common/TextField';

let nextId = 1;

/** Samples text from the live model (at any time, also while it trains): streamed, cancellable. */
export function GeneratePanel() {
  const engine = useEngine();
  const hasModel = useEngineStore((s) => s.model !== null);
  const [prompt, setPrompt] = useState('The capital of ');
  const [length, setLength] = useState('200');
  const [temperature, setTemperature] = useState('0.8');
  const [seed, setSeed] = useState('1');
  const [text, setText] = useState('');
  /** The prompt the shown text continues. */
  const [shownPrompt, setShownPrompt] = useState('');
  const [status, setStatus] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [running, setRunning] = useState(false);
  const current = useRef<number | null>(null);
  const ids = { prompt: useId(), length: useId(), temperature: useId(), seed: useId() };

  // Generated text arrives as events tagged with the request's id.
  useEffect(() => {
    if (!engine) return;
    return engine.listen((e: EngineEvent) => {
      if (e.type === 'generated' && e.id === current.current && e.text) setText((t) => t + e.text);
    });
  }, [engine]);

  const problems = generateProblems({ length, temperature, seed });
  const generate = async () => {
    if (!engine || problems.length > 0) return;
    const id = nextId++;
    current.current = id;
    setText('');
    setShownPrompt(prompt);
    setError(null);
    setStatus(null);
    setRunning(true);
    try {
      const result = await engine.request({
        type: 'generate',
        id,
        prompt,
        maxTokens: Number(length),
        temperature: Number(temperature),
        seed: Number(seed),
      });
      // The reply has the whole text: it wins over the events (which may still be in flight).
      setText(result.text);
      setStatus(`${result.tokens.length} bytes in ${formatMs(result.ms)} ms.`);
    } catch (err) {
      if (isCancelled(err)) setStatus('Cancelled: the text so far is kept.');
      else setError(errorMessage(err));
    } finally {
      current.current = null;
      setRunning(false);
    }
  };

  return (
    <div className="lab-feature generate">
      <form
        className="generate__form"
        onSubmit={(e) => {
          e.preventDefault();
          void generate();
        }}
      >
        <label className="field generate__prompt" htmlFor={ids.prompt}>
          <span className="field__label">Prompt</span>
          <textarea
            id={ids.prompt}
            rows={2}
            value={prompt}
            onChange={(e) => setPrompt(e.target.value)}
            onKeyDown={(e) => {
              // Ctrl/Cmd+Enter generates from the prompt box.
              if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
                e.preventDefault();
                void generate();
              }
            }}
          />
        </label>
        <div className="generate__settings">
          <TextField
            id={ids.length}
            label="Length (bytes)"
            value={length}
            onChange={setLength}
            inputMode="numeric"
          />
          <TextField
            id={ids.temperature}
            label="Temperature (0 = greedy)"
            value={temperature}
            onChange={setTemperature}
            inputMode="decimal"
          />
          <TextField id={ids.seed} label="Seed" value={seed} onChange={setSeed} inputMode="numeric" />
          {running ? (
            <button type="button" className="button" onClick={() => engine && void cancelEngineWork(engine)}>
              Cancel
            </button>
          ) : (
            <button
              type="submit"
              className="button button--primary"
              disabled={!engine || !hasModel || problems.length > 0}
            >
              Generate
            </button>
          )}
        </div>
      </form>
      {problems.map((p) => (
        <Message key={p} kind="error">
          {p}
        </Message>
      ))}
      {!hasModel ? (
        <p className="lab-muted">Generation needs a model: wait until it has been built.</p>
      ) : null}
      <output className="generate__output" aria-live="polite" aria-busy={running} aria-label="Generated text">
        {text || running ? (
          <>
            <span className="generate__prompt-echo">{shownPrompt}</span>
            {text}
            {running ? <span className="generate__caret" aria-hidden="true" /> : null}
          </>
        ) : (
          <span className="lab-muted">
            The model's continuation of the prompt appears here as it is sampled.
          </span>
        )}
      </output>
      {status ? (
        <p className="lab-muted" role="status">
          {status}
        </p>
      ) : null}
      {error ? <Message kind="error">{error}</Message> : null}
    </div>
  );
}
