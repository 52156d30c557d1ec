import { useId, useRef, useState } from 'react';
import { formatInt } from '../../../components/chart/format';
import { type MemoryInputFile, useByoMemoryStore } from '../../../state/byoMemoryStore';
import { useEngineStore } from '../../../state/engineStore';
import { useSelectionStore } from '../../../state/selectionStore';
import { useEngine } from '../../EngineContext';
import { DropZone, Message, Progress } from '../common/DropZone';
import { downloadBytes } from '../common/download';
import { cancelEngineWork, errorMessage, isCancelled } from '../common/errors';
import { fileSizeProblem, formatBytes, readFileBytes } from '../common/readFile';
import { CoverageReportView } from './CoverageReportView';
import { memoryFromCheckpoint, randomInputs, stackedNpy, xlmMemoryBytes } from './memoryFiles';
import { traceInputs } from './traceInputs';
import '../common/labFeatures.css';
import './byoMemory.css';

const MAX_FILE_BYTES = 1024 * 1024 * 1024;

type InputSource = 'random' | 'hidden';

/**
 * Bring your own memory: an XLM-layout memory module (safetensors) and a .npy of inputs [B, d_in]
 * give the memory's key coverage without any training (the engine's importMemory).
 */
export function ByoMemoryPanel() {
  const engine = useEngine();
  const { memory, inputs, report } = useByoMemoryStore();
  const [knn, setKnn] = useState('');
  const [prefix, setPrefix] = useState('');
  const [busy, setBusy] = useState<string | null>(null);
  const [progress, setProgress] = useState<{ label: string; done: number; total: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const ids = { knn: useId(), prefix: useId() };

  const take = async (file: File, kind: 'memory' | 'inputs') => {
    setError(null);
    const problem = fileSizeProblem(file, MAX_FILE_BYTES, kind === 'memory' ? 'memory file' : 'inputs file');
    if (problem) {
      setError(problem);
      return;
    }
    setBusy(`Reading ${file.name}…`);
    try {
      const bytes = await readFileBytes(file, (p) =>
        setProgress({ label: `Reading ${file.name}`, done: p.loaded, total: p.total }),
      );
      const entry: MemoryInputFile = { name: file.name, bytes, generated: null };
      if (kind === 'memory') useByoMemoryStore.getState().setMemory(entry);
      else useByoMemoryStore.getState().setInputs(entry);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(null);
      setProgress(null);
    }
  };

  const knnValue = knn.trim() === '' ? undefined : Number(knn);
  const knnProblem =
    knnValue !== undefined && !(Number.isInteger(knnValue) && knnValue >= 1)
      ? 'k must be a whole number of at least 1 (or empty to read it from the file).'
      : null;

  const compute = async (m = memory, x = inputs) => {
    if (!engine || !m || !x || knnProblem) return;
    setError(null);
    setBusy('Computing the coverage…');
    try {
      const result = await engine.request({
        type: 'importMemory',
        memory: m.bytes,
        inputs: x.bytes,
        name: m.name,
        ...(knnValue !== undefined ? { knn: knnValue } : {}),
        ...(prefix.trim() ? { prefix: prefix.trim() } : {}),
      });
      useByoMemoryStore.getState().setReport(result);
    } catch (err) {
      setError(isCancelled(err) ? 'Cancelled: the previous result (if any) is kept.' : errorMessage(err));
    } finally {
      setBusy(null);
    }
  };

  return (
    <div className="lab-feature byo-memory">
      <p className="lab-muted">
        Load a memory module saved from XLM (or PyTorch) with{' '}
        <code>safetensors.torch.save_file(memory.state_dict(), path)</code> and a <code>.npy</code> of its
        inputs [B, d_in] to see how evenly it uses its keys. Nothing is trained.
      </p>
      <div className="byo-memory__files">
        <DropZone
          label="Memory (XLM layout, .safetensors)"
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
      <div className="lab-row byo-memory__options">
        <label className="field" htmlFor={ids.knn}>
          <span className="field__label">k (slots per head)</span>
          <input
            id={ids.knn}
            type="text"
            inputMode="numeric"
            placeholder="from the file"
            value={knn}
            aria-invalid={knnProblem ? true : undefined}
            onChange={(e) => setKnn(e.target.value)}
          />
        </label>
        <label className="field" htmlFor={ids.prefix}>
          <span className="field__label">Prefix in the file</span>
          <input
            id={ids.prefix}
            type="text"
            placeholder="found automatically"
            value={prefix}
            onChange={(e) => setPrefix(e.target.value)}
          />
        </label>
        {busy === 'Computing the coverage…' ? (
          <button type="button" className="button" onClick={() => engine && void cancelEngineWork(engine)}>
            Cancel
          </button>
        ) : (
          <button
            type="button"
            className="button button--primary"
            disabled={!engine || !memory || !inputs || !!busy || !!knnProblem}
            onClick={() => void compute()}
          >
            Compute coverage
          </button>
        )}
      </div>
      {knnProblem ? <Message kind="error">{knnProblem}</Message> : null}
      <TryWithThisModel
        disabled={!engine || !!busy}
        onBusy={setBusy}
        onProgress={setProgress}
        onError={setError}
        onReady={(m, x) => void compute(m, x)}
      />
      {progress ? <Progress label={progress.label} done={progress.done} total={progress.total} /> : null}
      {busy && !progress ? (
        <p className="lab-muted" role="status">
          {busy}
        </p>
      ) : null}
      {error ? <Message kind="error">{error}</Message> : null}
      {report ? <CoverageReportView report={report} /> : null}
    </div>
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

/** For users without files: the live model's memory in XLM layout, with hidden states or random inputs. */
function TryWithThisModel({
  disabled,
  onBusy,
  onProgress,
  onError,
  onReady,
}: {
  disabled: boolean;
  onBusy: (label: string | null) => void;
  onProgress: (p: { label: string; done: number; total: number } | null) => void;
  onError: (message: string | null) => void;
  onReady: (memory: MemoryInputFile, inputs: MemoryInputFile) => void;
}) {
  const engine = useEngine();
  const model = useEngineStore((s) => s.model);
  const text = useSelectionStore((s) => s.text);
  const layers = model?.config.mem_layers ?? [];
  const [layer, setLayer] = useState<number | null>(null);
  const [source, setSource] = useState<InputSource>('random');
  const [count, setCount] = useState('256');
  const abort = useRef<AbortController | null>(null);
  const [running, setRunning] = useState(false);
  const ids = { layer: useId(), count: useId() };
  const chosen = layer !== null && layers.includes(layer) ? layer : (layers[0] ?? null);
  const n = Number(count);
  const countProblem = Number.isInteger(n) && n >= 1 && n <= 65_536 ? null : 'between 1 and 65,536 inputs';

  const make = async () => {
    if (!engine || chosen === null || countProblem) return;
    onError(null);
    onBusy("Exporting this model's memory…");
    setRunning(true);
    abort.current = new AbortController();
    try {
      const file = await engine.request({ type: 'saveCheckpoint' });
      const mem = memoryFromCheckpoint(file.bytes, chosen);
      const memory: MemoryInputFile = {
        name: `pkm-block${chosen + 1}-step${file.step}-memory.safetensors`,
        bytes: xlmMemoryBytes(mem, file.step),
        generated: `this model's memory, block ${chosen + 1}, step ${formatInt(file.step)}`,
      };
      let inputs: MemoryInputFile;
      const dIn = mem.spec.d_in;
      if (source === 'random') {
        inputs = {
          name: `random-normal-${n}x${dIn}-seed1.npy`,
          bytes: randomInputs(n, dIn, 1).npy,
          generated: `random Gaussian inputs (seed 1), not hidden states`,
        };
      } else {
        onBusy('Reading hidden states…');
        const rows = await traceInputs(
          engine,
          text,
          n,
          chosen,
          (done, total) =>
            onProgress({ label: `Hidden states of the sample text: ${done} of ${total} bytes`, done, total }),
          abort.current.signal,
        );
        inputs = {
          name: `hidden-states-block${chosen + 1}-${rows.length}x${dIn}.npy`,
          bytes: stackedNpy(rows),
          generated: `hidden states entering block ${chosen + 1} for the first ${rows.length} bytes of the sample text`,
        };
      }
      useByoMemoryStore.getState().setMemory(memory);
      useByoMemoryStore.getState().setInputs(inputs);
      onBusy(null);
      onProgress(null);
      onReady(memory, inputs);
    } catch (err) {
      onError(abort.current?.signal.aborted ? 'Cancelled.' : errorMessage(err));
      onBusy(null);
      onProgress(null);
    } finally {
      setRunning(false);
    }
  };

  return (
    <details className="byo-try">
      <summary>No files? Try it with this model's memory</summary>
      {layers.length === 0 ? (
        <p className="lab-muted">
          The current model has no memory layer (a baseline): add one in the settings first.
        </p>
      ) : (
        <>
          <p className="lab-muted">
            Exports the live model's memory in XLM layout (as a file you can download) with inputs for it: the
            real hidden states entering the memory for the bytes of the sample text (one engine trace per
            byte, slower), or seeded random Gaussian vectors of the right width (fast, but not what the model
            would see).
          </p>
          <div className="lab-row">
            {layers.length > 1 ? (
              <label className="field" htmlFor={ids.layer}>
                <span className="field__label">Memory block</span>
                <select
                  id={ids.layer}
                  value={chosen ?? ''}
                  onChange={(e) => setLayer(Number(e.target.value))}
                >
                  {layers.map((l) => (
                    <option key={l} value={l}>
                      block {l + 1}
                    </option>
                  ))}
                </select>
              </label>
            ) : null}
            <fieldset className="byo-try__source">
              <legend className="field__label">Inputs</legend>
              <label>
                <input
                  type="radio"
                  name="byo-source"
                  checked={source === 'random'}
                  onChange={() => setSource('random')}
                />{' '}
                random Gaussian
              </label>
              <label>
                <input
                  type="radio"
                  name="byo-source"
                  checked={source === 'hidden'}
                  onChange={() => setSource('hidden')}
                />{' '}
                hidden states of the sample text
              </label>
            </fieldset>
            <label className="field" htmlFor={ids.count}>
              <span className="field__label">How many</span>
              <input
                id={ids.count}
                type="text"
                inputMode="numeric"
                value={count}
                aria-invalid={countProblem ? true : undefined}
                onChange={(e) => setCount(e.target.value)}
              />
            </label>
            {running ? (
              <button type="button" className="button" onClick={() => abort.current?.abort()}>
                Cancel
              </button>
            ) : (
              <button
                type="button"
                className="button button--primary"
                disabled={disabled || !model || !!countProblem}
                onClick={() => void make()}
              >
                Use this model's memory
              </button>
            )}
          </div>
          {countProblem ? <Message kind="error">How many: {countProblem}.</Message> : null}
        </>
      )}
    </details>
  );
}
