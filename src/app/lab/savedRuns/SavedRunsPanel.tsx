import { useCallback, useEffect, useId, useState } from 'react';
import { formatInt } from '../../../components/chart/format';
import { useCompareStore } from '../../../state/compareStore';
import { useEngineStore } from '../../../state/engineStore';
import { useRunDataStore } from '../../../state/runDataStore';
import { useEngine } from '../../EngineContext';
import { DropZone, Message, Progress } from '../common/DropZone';
import { downloadBytes } from '../common/download';
import { errorMessage } from '../common/errors';
import { fileSizeProblem, formatBytes, type ReadProgress, readFileBytes } from '../common/readFile';
import { configSummary } from '../compare/presets';
import { currentHistory, loadRunIntoApp } from './runHistory';
import { openRunStorage as openStorage, runNameProblem, type SavedRunMeta } from './runStorage';
import '../common/labFeatures.css';
import './savedRuns.css';

/** Checkpoints can be large; the browser must hold the whole file in memory to load it. */
const MAX_CHECKPOINT_BYTES = 1024 * 1024 * 1024;

type Note = { kind: 'ok' | 'error'; text: string } | null;

/** Runs saved in this browser (IndexedDB), and runs as .safetensors files to download or upload. */
export function SavedRunsPanel() {
  const engine = useEngine();
  const model = useEngineStore((s) => s.model);
  const step = useRunDataStore((s) => (s.data.source === 'live' ? s.data.step : (model?.step ?? 0)));
  const comparing = useCompareStore((s) => s.progress !== null);
  const [runs, setRuns] = useState<SavedRunMeta[] | null>(null);
  const [name, setName] = useState('');
  const [busy, setBusy] = useState<string | null>(null);
  const [note, setNote] = useState<Note>(null);
  const [reading, setReading] = useState<ReadProgress | null>(null);
  const nameId = useId();

  const refresh = useCallback(async () => {
    try {
      setRuns(await (await openStorage()).list());
    } catch (err) {
      setRuns([]);
      setNote({ kind: 'error', text: errorMessage(err) });
    }
  }, []);
  useEffect(() => {
    void refresh();
  }, [refresh]);

  const act = async (label: string, job: () => Promise<string | null>) => {
    setBusy(label);
    setNote(null);
    try {
      const done = await job();
      if (done) setNote({ kind: 'ok', text: done });
    } catch (err) {
      setNote({ kind: 'error', text: errorMessage(err) });
    } finally {
      setBusy(null);
      setReading(null);
    }
  };
  const disabled = !engine || busy !== null || comparing;
  const defaultName = model
    ? `${model.config.mem_layers.length === 0 ? 'baseline' : 'memory'} · step ${formatInt(step)}`
    : '';

  const save = () =>
    act('Saving…', async () => {
      const chosen = name.trim() || defaultName;
      const problem = runNameProblem(chosen);
      if (problem) throw new Error(problem);
      const file = await engine!.request({ type: 'saveCheckpoint' });
      const meta = await (await openStorage()).save({
        name: chosen,
        config: file.config,
        step: file.step,
        bytes: file.bytes,
        history: currentHistory(),
        comparisons: useCompareStore.getState().comparisons.filter((c) => c.status !== 'running'),
      });
      setName('');
      await refresh();
      return `Saved “${meta.name}” (step ${formatInt(meta.step)}, ${formatBytes(meta.size)}).`;
    });
  const load = (meta: SavedRunMeta) =>
    act(`Loading “${meta.name}”…`, async () => {
      const run = await (await openStorage()).load(meta.id);
      const info = await loadRunIntoApp(engine!, run);
      return `Loaded “${meta.name}” at step ${formatInt(info.step)}.`;
    });
  const download = (meta: SavedRunMeta) =>
    act('Preparing the file…', async () => {
      const run = await (await openStorage()).load(meta.id);
      downloadBytes(run.bytes, `${safeName(meta.name)}.safetensors`);
      return null;
    });
  const downloadCurrent = () =>
    act('Preparing the file…', async () => {
      const file = await engine!.request({ type: 'saveCheckpoint' });
      downloadBytes(file.bytes, file.name);
      return null;
    });
  const upload = (file: File) =>
    act(`Reading ${file.name}…`, async () => {
      const problem = fileSizeProblem(file, MAX_CHECKPOINT_BYTES, 'checkpoint');
      if (problem) throw new Error(problem);
      const bytes = await readFileBytes(file, setReading);
      const info = await loadRunIntoApp(engine!, { bytes, history: null, comparisons: [] });
      return `Loaded ${file.name} at step ${formatInt(info.step)}. Save it to keep it in the list.`;
    });

  return (
    <div className="lab-feature saved-runs">
      <form
        className="saved-runs__save"
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <label htmlFor={nameId} className="field__label">
          Name
        </label>
        <div className="lab-row">
          <input
            id={nameId}
            type="text"
            value={name}
            placeholder={defaultName || 'no model yet'}
            maxLength={200}
            onChange={(e) => setName(e.target.value)}
          />
          <button
            type="submit"
            className="button button--small button--primary"
            disabled={disabled || !model}
          >
            Save run
          </button>
        </div>
      </form>
      {busy ? (
        <p className="lab-muted" role="status">
          {busy}
        </p>
      ) : null}
      {reading ? (
        <Progress label="Reading the checkpoint" done={reading.loaded} total={reading.total} />
      ) : null}
      {note ? <Message kind={note.kind}>{note.text}</Message> : null}
      {runs === null ? (
        <p className="lab-muted">Reading saved runs…</p>
      ) : runs.length === 0 ? (
        <p className="lab-muted">No saved runs yet. Saved runs stay in this browser.</p>
      ) : (
        <ul className="saved-runs__list" aria-label="Saved runs">
          {runs.map((meta) => (
            <SavedRunItem
              key={meta.id}
              meta={meta}
              disabled={disabled}
              onLoad={() => void load(meta)}
              onDownload={() => void download(meta)}
              onRename={(next) =>
                act('Renaming…', async () => {
                  await (await openStorage()).rename(meta.id, next);
                  await refresh();
                  return null;
                })
              }
              onDelete={() =>
                act('Deleting…', async () => {
                  await (await openStorage()).remove(meta.id);
                  await refresh();
                  return `Deleted “${meta.name}”.`;
                })
              }
            />
          ))}
        </ul>
      )}
      <div className="saved-runs__files">
        <button
          type="button"
          className="button button--small"
          disabled={disabled || !model}
          onClick={() => void downloadCurrent()}
        >
          Download current run (.safetensors)
        </button>
        <DropZone
          compact
          label="Load a run from a file"
          accept=".safetensors,application/octet-stream"
          hint="A checkpoint downloaded from PKM Explorer."
          disabled={disabled}
          onFile={(f) => void upload(f)}
        />
      </div>
    </div>
  );
}

function safeName(name: string): string {
  return name.replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '') || 'pkm-run';
}

function SavedRunItem({
  meta,
  disabled,
  onLoad,
  onDownload,
  onRename,
  onDelete,
}: {
  meta: SavedRunMeta;
  disabled: boolean;
  onLoad: () => void;
  onDownload: () => void;
  onRename: (name: string) => Promise<void>;
  onDelete: () => void;
}) {
  const [editing, setEditing] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const problem = editing === null ? null : runNameProblem(editing);
  const finishRename = async () => {
    if (editing === null || problem) return;
    await onRename(editing);
    setEditing(null);
  };
  return (
    <li className="saved-run">
      {editing === null ? (
        <span className="saved-run__name">{meta.name}</span>
      ) : (
        <span className="saved-run__rename">
          <input
            type="text"
            aria-label={`New name for ${meta.name}`}
            value={editing}
            // biome-ignore lint/a11y/noAutofocus: the field appears because the user asked to rename
            autoFocus
            aria-invalid={problem ? true : undefined}
            onChange={(e) => setEditing(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') {
                e.preventDefault();
                void finishRename();
              } else if (e.key === 'Escape') setEditing(null);
            }}
          />
          {problem ? <span className="lab-msg lab-msg--error">{problem}</span> : null}
        </span>
      )}
      <span className="saved-run__meta">
        {new Date(meta.savedAt).toLocaleString()} · step {formatInt(meta.step)} · {formatBytes(meta.size)}
      </span>
      <span className="saved-run__config">{configSummary(meta.config)}</span>
      <span className="saved-run__actions">
        {confirming ? (
          <>
            <span className="saved-run__confirm">Delete this run?</span>
            <button
              type="button"
              className="button button--small saved-run__danger"
              onClick={() => {
                setConfirming(false);
                onDelete();
              }}
            >
              Delete
            </button>
            <button type="button" className="button button--small" onClick={() => setConfirming(false)}>
              Keep
            </button>
          </>
        ) : editing !== null ? (
          <>
            <button
              type="button"
              className="button button--small"
              disabled={!!problem}
              onClick={() => void finishRename()}
            >
              Save name
            </button>
            <button type="button" className="button button--small" onClick={() => setEditing(null)}>
              Cancel
            </button>
          </>
        ) : (
          <>
            <button
              type="button"
              className="button button--small button--primary"
              disabled={disabled}
              aria-label={`Load ${meta.name}`}
              onClick={onLoad}
            >
              Load
            </button>
            <button
              type="button"
              className="button button--small"
              disabled={disabled}
              aria-label={`Rename ${meta.name}`}
              onClick={() => setEditing(meta.name)}
            >
              Rename
            </button>
            <button
              type="button"
              className="button button--small"
              disabled={disabled}
              aria-label={`Download ${meta.name}`}
              onClick={onDownload}
            >
              Download
            </button>
            <button
              type="button"
              className="button button--small button--quiet"
              disabled={disabled}
              aria-label={`Delete ${meta.name}`}
              onClick={() => setConfirming(true)}
            >
              Delete
            </button>
          </>
        )}
      </span>
    </li>
  );
}
