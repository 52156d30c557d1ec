import { useState } from 'react';
import type { CorpusInfo } from '../../../engine/protocol';
import { USER_TEXT_MAX_BYTES } from '../../../model/corpus/userText';
import { useConfigStore } from '../../../state/configStore';
import { useEngineStore } from '../../../state/engineStore';
import { useUserTextStore } from '../../../state/userTextStore';
import { useEngine } from '../../EngineContext';
import { shortenName } from '../../textCut';
import { DropZone, Message, Progress } from '../common/DropZone';
import { errorMessage } from '../common/errors';
import { fileSizeProblem, formatBytes, type ReadProgress, readFileBytes } from '../common/readFile';
import '../common/labFeatures.css';

/**
 * Bring your own data: a text file to train on instead of the knowledge corpus. Its size is checked
 * before reading; the engine validates the text (empty, binary, not UTF-8, too short) and its
 * message is shown as is. The model keeps its weights, so training continues on the new text.
 */
export function ByoDataPanel() {
  const engine = useEngine();
  const corpus = useConfigStore((s) => s.config.corpus);
  const model = useEngineStore((s) => s.model);
  const text = useUserTextStore((s) => s.current);
  const [reading, setReading] = useState<{ name: string; progress: ReadProgress } | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);

  const use = async (file: File) => {
    if (!engine) return;
    setError(null);
    setDone(null);
    const problem = fileSizeProblem(file, USER_TEXT_MAX_BYTES, 'text file');
    if (problem) {
      setError(problem);
      return;
    }
    setBusy(true);
    try {
      setReading({ name: file.name, progress: { loaded: 0, total: file.size } });
      const bytes = await readFileBytes(file, (progress) => setReading({ name: file.name, progress }));
      setReading(null);
      // The engine keeps names of up to 200 characters: a longer one is shortened, not refused.
      const name = shortenName(file.name, 200);
      const info = await engine.request({ type: 'setCorpus', corpus: { kind: 'user', bytes, name } });
      useUserTextStore.getState().set({ name, bytes: bytes.length, info });
      remember(info);
      // The settings (and the link) now say "user", so a rebuilt model trains on this text too.
      if (useConfigStore.getState().config.corpus !== 'user')
        useConfigStore.getState().update({ corpus: 'user' });
      // No model yet (e.g. the link asked for your text before it was given): build one now.
      if (!useEngineStore.getState().model) await engine.configure();
      setDone(describe(info, 'Training now uses'));
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setReading(null);
      setBusy(false);
    }
  };

  const backToKnowledge = async () => {
    if (!engine) return;
    setError(null);
    setDone(null);
    setBusy(true);
    try {
      const info = await engine.request({ type: 'setCorpus', corpus: { kind: 'knowledge' } });
      remember(info);
      useConfigStore.getState().update({ corpus: 'knowledge' });
      if (!useEngineStore.getState().model) await engine.configure();
      setDone(describe(info, 'Back to'));
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  const missingText = corpus === 'user' && !text;
  return (
    <div className="lab-feature byo-data">
      <p className="lab-corpus" aria-live="polite">
        Training text:{' '}
        <strong>
          {corpus === 'user' ? (text ? text.name : 'your own text (not loaded)') : 'the knowledge corpus'}
        </strong>
        {corpus === 'user' && text ? <span className="lab-muted"> · {formatBytes(text.bytes)}</span> : null}
      </p>
      {missingText ? (
        <Message kind="info">
          The settings ask for your own text, which is not kept across page loads: drop the file again, or
          switch back to the knowledge corpus.
        </Message>
      ) : null}
      <DropZone
        label="Drop a text file to train on"
        accept=".txt,.md,.csv,.json,.html,.xml,text/*"
        hint={`UTF-8 text, up to ${formatBytes(USER_TEXT_MAX_BYTES)}; the last 10% is held out for validation.`}
        disabled={!engine || busy}
        onFile={(f) => void use(f)}
      />
      {reading ? (
        <Progress
          label={`Reading ${reading.name} (${formatBytes(reading.progress.loaded)} of ${formatBytes(reading.progress.total)})`}
          done={reading.progress.loaded}
          total={reading.progress.total}
        />
      ) : null}
      {busy && !reading ? (
        <p className="lab-muted" role="status">
          Checking the text…
        </p>
      ) : null}
      {error ? <Message kind="error">{error}</Message> : null}
      {done ? <Message kind="ok">{done}</Message> : null}
      {corpus === 'user' ? (
        <button
          type="button"
          className="button button--small"
          disabled={!engine || busy}
          onClick={() => void backToKnowledge()}
        >
          Use the knowledge corpus again
        </button>
      ) : null}
      {model && corpus === 'user' && text ? (
        <p className="lab-muted">The model keeps its weights: press Reset for a fresh start on this text.</p>
      ) : null}
    </div>
  );
}

/** The model now trains on `info` (the model card says so; a rebuilt model names its own). */
function remember(info: CorpusInfo): void {
  const model = useEngineStore.getState().model;
  if (model) useUserTextStore.getState().setSwitched({ info, model });
}

function describe(info: CorpusInfo, lead: string): string {
  return `${lead} ${info.kind === 'user' ? info.name : 'the knowledge corpus'}: ${formatBytes(info.trainBytes)} to train on, ${formatBytes(info.validationBytes)} held out${info.probes > 0 ? `, ${info.probes} fact probes` : ''}.`;
}
