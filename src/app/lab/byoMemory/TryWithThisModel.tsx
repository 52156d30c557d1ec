import { useId, useRef, useState } from 'react';
import { formatInt } from '../../../components/chart/format';
import type { MemoryInputFile } from '../../../state/byoMemoryStore';
import { useByoMemoryStore } from '../../../state/byoMemoryStore';
import { useEngineStore } from '../../../state/engineStore';
import { useSelectionStore } from '../../../state/selectionStore';
import { useEngine } from '../../EngineContext';
import { Message } from '../common/DropZone';
import { errorMessage } from '../common/errors';
import { TextField } from '../common/TextField';
import { memoryBytes, memoryFromCheckpoint, randomInputs, stackedNpy } from './memoryFiles';
import { traceInputs } from './traceInputs';

type InputSource = 'random' | 'hidden';

/** For users without files: the live model's memory in XLM layout, with hidden states or random inputs. */
export function TryWithThisModel({
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
        bytes: memoryBytes(mem, file.step),
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
            <TextField
              id={ids.count}
              label="How many"
              value={count}
              onChange={setCount}
              inputMode="numeric"
              invalid={Boolean(countProblem)}
            />
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
