import { useEffect, useId, useMemo, useState } from 'react';
import { formatInt } from '../../../components/chart/format';
import {
  type Gates,
  LAYOUT_LABELS,
  MEMORY_LAYOUTS,
  type MemoryEntry,
  type MemoryLayout,
} from '../../../model/io/layouts/types';
import { type MemoryInputFile, useByoMemoryStore } from '../../../state/byoMemoryStore';
import { useEngine } from '../../EngineContext';
import { EngineRequestError } from '../../engineLink';
import { DropZone, Message, Progress } from '../common/DropZone';
import { downloadBytes } from '../common/download';
import { cancelEngineWork, errorMessage, isCancelled } from '../common/errors';
import { fileSizeProblem, formatBytes, readFileBytes } from '../common/readFile';
import { TextField } from '../common/TextField';
import { CoverageReportView } from './CoverageReportView';
import { defaultK, describeForPanel, inputsProblem, kProblem } from './memoryChoice';
import { TryWithThisModel } from './TryWithThisModel';
import '../common/labFeatures.css';
import './byoMemory.css';
import { shortenName } from '../../textCut';

const MAX_FILE_BYTES = 1024 * 1024 * 1024;

/** One sentence from a failed coverage request: file problems are said as they are, not as "could not be read". */
function problemText(err: unknown, memoryName: string): string {
  if (err instanceof EngineRequestError && err.kind === 'format')
    return sentence(`${memoryName}: ${err.message}`);
  return errorMessage(err);
}

function sentence(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

/**
 * Bring your own memory: a memory module saved from PyTorch (XLM, lucidrains' PKM or Memory
 * Layers at Scale, safetensors) and a .npy of inputs [B, d_in] give the memory's key coverage
 * without any training (the engine's importMemory). The file is described on the page from its
 * header: layout, memories, the k to read.
 */
export function ByoMemoryPanel() {
  const engine = useEngine();
  const { memory, inputs, report } = useByoMemoryStore();
  const [layout, setLayout] = useState<MemoryLayout | 'auto'>('auto');
  const [prefix, setPrefix] = useState<string | null>(null);
  const [k, setK] = useState('');
  const [gates, setGates] = useState<Gates>('softmax');
  const [busy, setBusy] = useState<string | null>(null);
  const [progress, setProgress] = useState<{ label: string; done: number; total: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const ids = { k: useId(), layout: useId(), prefix: useId(), gates: useId() };

  const choice = useMemo(
    () => (memory ? describeForPanel(memory.bytes, layout === 'auto' ? undefined : layout) : null),
    [memory, layout],
  );
  const entry = choice?.ok ? (choice.memories.find((m) => m.prefix === prefix) ?? choice.memories[0]) : null;
  const entryKey = entry ? `${memory?.name}|${entry.layout}|${entry.prefix}` : '';
  // A new memory (or another one in the file) starts from its own k (set while rendering, React's
  // way of resetting state when an input changes).
  const [kFor, setKFor] = useState('');
  if (entry && entryKey !== kFor) {
    setKFor(entryKey);
    setK(String(defaultK(entry)));
  }
  const fileProblem = choice && !choice.ok ? sentence(`${memory!.name}: ${choice.message}`) : null;
  const kError = entry ? kProblem(k, entry) : null;
  const inputsError = entry && inputs ? inputsProblem(inputs.bytes, entry.d_in) : null;
  const shownError = error ?? fileProblem;

  // A file that cannot be used takes the previous result with it (it would read as this file's).
  useEffect(() => {
    if (fileProblem) useByoMemoryStore.getState().setReport(null);
  }, [fileProblem]);

  const take = async (file: File, kind: 'memory' | 'inputs') => {
    setError(null);
    const problem = fileSizeProblem(file, MAX_FILE_BYTES, kind === 'memory' ? 'memory file' : 'inputs file');
    if (problem) {
      setError(problem);
      useByoMemoryStore.getState().setReport(null);
      return;
    }
    setBusy(`Reading ${file.name}…`);
    try {
      const bytes = await readFileBytes(file, (p) =>
        setProgress({ label: `Reading ${file.name}`, done: p.loaded, total: p.total }),
      );
      const entry: MemoryInputFile = { name: file.name, bytes, generated: null };
      if (kind === 'memory') {
        setPrefix(null);
        useByoMemoryStore.getState().setMemory(entry);
      } else useByoMemoryStore.getState().setInputs(entry);
    } catch (err) {
      setError(errorMessage(err));
      useByoMemoryStore.getState().setReport(null);
    } finally {
      setBusy(null);
      setProgress(null);
    }
  };

  const compute = async (m = memory, x = inputs) => {
    if (!engine || !m || !x) return;
    // Files made from this model are described afresh: the state above may still show the previous ones.
    const described = m === memory ? choice : describeForPanel(m.bytes);
    const target = m === memory ? entry : described?.ok ? described.memories[0] : null;
    if (!target) return;
    const knn = m === memory ? Number(k) : defaultK(target);
    setError(null);
    setBusy('Computing the coverage…');
    try {
      const result = await engine.request({
        type: 'importMemory',
        memory: m.bytes,
        inputs: x.bytes,
        // The engine keeps names of up to 200 characters: a longer one is shortened, not refused.
        name: shortenName(m.name, 200),
        knn,
        layout: target.layout,
        prefix: target.prefix,
        ...(target.layout === 'lucidrains' && m === memory ? { gates } : {}),
      });
      useByoMemoryStore.getState().setReport(result);
    } catch (err) {
      if (isCancelled(err)) setError('Cancelled: the previous result (if any) is kept.');
      else {
        setError(problemText(err, m.name));
        useByoMemoryStore.getState().setReport(null);
      }
    } finally {
      setBusy(null);
    }
  };

  const computing = busy === 'Computing the coverage…';
  return (
    <div className="lab-feature byo-memory">
      <p className="lab-muted">
        Load a memory module saved from PyTorch with{' '}
        <code>safetensors.torch.save_file(memory.state_dict(), path)</code>, in the layout of XLM, of
        lucidrains’ <code>PKM</code> or of Memory Layers at Scale (also a whole model’s state_dict), and a{' '}
        <code>.npy</code> of its inputs [B, d_in] to see how evenly it uses its keys. Nothing is trained.
      </p>
      <div className="byo-memory__files">
        <DropZone
          label="Memory (.safetensors)"
          accept=".safetensors,application/octet-stream"
          disabled={!!busy}
          current={<FileLine file={memory} />}
          onFile={(f) => void take(f, 'memory')}
        />
        <DropZone
          label="Inputs (.npy, [B, d_in] float)"
          accept=".npy,application/octet-stream"
          disabled={!!busy}
          current={<FileLine file={inputs} />}
          onFile={(f) => void take(f, 'inputs')}
        />
      </div>
      {memory ? (
        <div className="lab-row byo-memory__options">
          <label className="field" htmlFor={ids.layout}>
            <span className="field__label">Layout</span>
            <select
              id={ids.layout}
              value={layout}
              onChange={(e) => setLayout(e.target.value as MemoryLayout | 'auto')}
            >
              <option value="auto">
                {entry && layout === 'auto'
                  ? `detected: ${LAYOUT_LABELS[entry.layout]}`
                  : 'detect from the file'}
              </option>
              {MEMORY_LAYOUTS.map((l) => (
                <option key={l} value={l}>
                  {LAYOUT_LABELS[l]}
                </option>
              ))}
            </select>
          </label>
          {choice?.ok && choice.memories.length > 1 ? (
            <label className="field" htmlFor={ids.prefix}>
              <span className="field__label">Memory in the file ({choice.memories.length})</span>
              <select id={ids.prefix} value={entry?.prefix ?? ''} onChange={(e) => setPrefix(e.target.value)}>
                {choice.memories.map((m) => (
                  <option key={m.prefix} value={m.prefix}>
                    {m.prefix || '(top level)'}
                  </option>
                ))}
              </select>
            </label>
          ) : null}
          {entry ? (
            <TextField
              id={ids.k}
              label={`k (slots per head, 1–${entry.maxKnn})`}
              value={k}
              onChange={setK}
              inputMode="numeric"
              invalid={Boolean(kError)}
            />
          ) : null}
          {entry?.layout === 'lucidrains' ? (
            <label className="field" htmlFor={ids.gates}>
              <span className="field__label">Gates</span>
              <select id={ids.gates} value={gates} onChange={(e) => setGates(e.target.value as Gates)}>
                <option value="softmax">softmax (PKM default)</option>
                <option value="relu">ReLU (non_competitive_gates)</option>
              </select>
            </label>
          ) : null}
        </div>
      ) : null}
      {entry ? <MemorySummary entry={entry} /> : null}
      {kError ? <Message kind="error">{kError}</Message> : null}
      {inputsError ? <Message kind="error">{sentence(`${inputs!.name}: ${inputsError}`)}</Message> : null}
      <div className="lab-row">
        {computing ? (
          <button type="button" className="button" onClick={() => engine && void cancelEngineWork(engine)}>
            Cancel
          </button>
        ) : (
          <button
            type="button"
            className="button button--primary"
            disabled={!engine || !entry || !inputs || !!busy || !!kError || !!inputsError}
            onClick={() => void compute()}
          >
            Compute coverage
          </button>
        )}
      </div>
      <TryWithThisModel
        disabled={!engine || !!busy}
        onBusy={setBusy}
        onProgress={setProgress}
        onError={setError}
        onReady={(m, x) => {
          setPrefix(null);
          setLayout('auto');
          void compute(m, x);
        }}
      />
      {progress ? <Progress label={progress.label} done={progress.done} total={progress.total} /> : null}
      {busy && !progress ? (
        <p className="lab-muted" role="status">
          {busy}
        </p>
      ) : null}
      {shownError ? <Message kind="error">{shownError}</Message> : null}
      {report ? <CoverageReportView report={report} /> : null}
    </div>
  );
}

/** What was found in the file: the memory's shapes and what its layout maps to. */
function MemorySummary({ entry }: { entry: MemoryEntry }) {
  const slots = entry.n_keys * entry.n_keys;
  return (
    <section className="byo-memory__found" aria-label="Memory found in the file">
      <p className="lab-muted">
        {LAYOUT_LABELS[entry.layout]}
        {entry.prefix ? ` at ${entry.prefix}` : ''}: {entry.heads} head{entry.heads === 1 ? '' : 's'} ×{' '}
        {formatInt(slots)} slots ({entry.n_keys}²), k_dim {entry.k_dim}, d_in {formatInt(entry.d_in)}
        {entry.outputWidth === null ? ' · output not computed' : ''}
        {entry.fileKnn === null
          ? ' · k is not stored in a PyTorch state_dict: give the one it was trained with'
          : ''}
      </p>
      {entry.notes.length > 0 ? (
        <ul className="byo-memory__notes lab-muted">
          {entry.notes.slice(0, 6).map((note) => (
            <li key={note}>{note}</li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}

function FileLine({ file }: { file: MemoryInputFile | null }) {
  if (!file) return <span className="lab-muted">none yet</span>;
  return (
    <span className="byo-file">
      <span className="byo-file__name">{file.name}</span>{' '}
      <span className="lab-muted">
        {formatBytes(file.bytes.length)}
        {file.generated ? ` · ${file.generated}` : ''}
      </span>
      {file.generated ? (
        <button
          type="button"
          className="link-button byo-file__download"
          onClick={() => downloadBytes(file.bytes, file.name)}
        >
          Download
        </button>
      ) : null}
    </span>
  );
}
