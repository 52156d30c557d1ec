import { useEffect, useId, useState } from 'react';
import { exportProblems } from '../../../model/io/layouts';
import { LAYOUT_LABELS, MEMORY_LAYOUTS, type MemoryLayout } from '../../../model/io/layouts/types';
import { useConfigStore } from '../../../state/configStore';
import { useEngineStore } from '../../../state/engineStore';
import { useRunDataStore } from '../../../state/runDataStore';
import { useEngine } from '../../EngineContext';
import { memoryBytes, memoryFromCheckpoint } from '../byoMemory/memoryFiles';
import { Message } from '../common/DropZone';
import { downloadBytes, downloadText } from '../common/download';
import { errorMessage } from '../common/errors';
import { exportFigure } from './FigureExportMenu';
import { type FigureRef, listFigures } from './figureExport';
import { evalMetricsCsv, evalMetricsJson, lossHistoryCsv, runJson, usageCsv } from './metricsExport';
import '../common/labFeatures.css';
import './export.css';

/** The figures on the page, one per title (the first, in page order). */
function uniqueFigures(): FigureRef[] {
  const seen = new Set<string>();
  return listFigures().filter((f) => !seen.has(f.title) && seen.add(f.title));
}

/** Everything out of the browser as files: figures, metrics, the model and its memory. */
export function ExportPanel() {
  const engine = useEngine();
  const model = useEngineStore((s) => s.model);
  const data = useRunDataStore((s) => s.data);
  const [figures, setFigures] = useState<FigureRef[]>(() => uniqueFigures());
  const [figure, setFigure] = useState<string>('');
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const ids = { figure: useId(), layer: useId() };
  const [layer, setLayer] = useState<number | null>(null);
  const [layout, setLayout] = useState<MemoryLayout>('xlm');
  const layers = model?.config.mem_layers ?? [];
  const chosenLayer = layer !== null && layers.includes(layer) ? layer : (layers[0] ?? null);
  const step = data.step;
  const base = `pkm-step-${step}`;

  const act = async (job: () => Promise<void> | void) => {
    setBusy(true);
    setNote(null);
    try {
      await job();
    } catch (err) {
      setNote({ kind: 'error', text: errorMessage(err) });
    } finally {
      setBusy(false);
    }
  };
  const refresh = () => setFigures(uniqueFigures());
  // The figures render in the same commit as this panel: list them once they are in the page.
  useEffect(() => setFigures(uniqueFigures()), []);
  const chosen = figures.find((f) => f.title === figure) ?? figures[0];

  return (
    <div className="lab-feature export-panel">
      <section aria-labelledby={`${ids.figure}-h`}>
        <h3 id={`${ids.figure}-h`} className="export-panel__heading">
          Figure
        </h3>
        <div className="lab-row">
          <select
            id={ids.figure}
            aria-label="Figure to export"
            value={chosen?.title ?? ''}
            onFocus={refresh}
            onChange={(e) => setFigure(e.target.value)}
          >
            {figures.map((f) => (
              <option key={f.title} value={f.title}>
                {f.title}
              </option>
            ))}
          </select>
        </div>
        <div className="lab-actions">
          {(['png', 'svg'] as const).map((format) => (
            <button
              key={format}
              type="button"
              className="button button--small"
              disabled={busy || !chosen}
              onClick={() =>
                void act(async () => {
                  // The figure may have re-rendered since the list was read: find it again by title.
                  const fresh = listFigures().find((f) => f.title === chosen.title) ?? chosen;
                  if (!fresh.element.isConnected) throw new Error('that figure is no longer on the page');
                  await exportFigure(fresh.element, fresh.title, format);
                })
              }
            >
              {format.toUpperCase()}
            </button>
          ))}
        </div>
        <p className="lab-muted">Every figure also has an export button in its corner.</p>
      </section>
      <section>
        <h3 className="export-panel__heading">Numbers</h3>
        <div className="lab-actions">
          <button
            type="button"
            className="button button--small"
            disabled={!data.eval}
            onClick={() => downloadText(evalMetricsCsv(data.eval!), `${base}-metrics.csv`, 'text/csv')}
          >
            Metrics CSV
          </button>
          <button
            type="button"
            className="button button--small"
            disabled={!data.eval}
            onClick={() =>
              downloadText(evalMetricsJson(data.eval), `${base}-metrics.json`, 'application/json')
            }
          >
            Metrics JSON
          </button>
          <button
            type="button"
            className="button button--small"
            disabled={data.losses.length === 0 && data.val.length === 0}
            onClick={() =>
              downloadText(lossHistoryCsv(data.losses, data.val), `${base}-loss.csv`, 'text/csv')
            }
          >
            Loss CSV
          </button>
          <button
            type="button"
            className="button button--small"
            disabled={!data.usage || data.usage.length === 0}
            onClick={() => downloadText(usageCsv(data.usage!), `${base}-usage.csv`, 'text/csv')}
          >
            Usage CSV
          </button>
          <button
            type="button"
            className="button button--small"
            disabled={data.source === 'none'}
            onClick={() =>
              downloadText(
                runJson({
                  config: model?.config ?? useConfigStore.getState().config,
                  step,
                  eval: data.eval,
                  losses: data.losses,
                  val: data.val,
                  coverage: data.coverage,
                  usage: data.usage,
                }),
                `${base}-run.json`,
                'application/json',
              )
            }
          >
            Everything JSON
          </button>
        </div>
        {!data.eval ? <p className="lab-muted">Metrics come with the first validation.</p> : null}
      </section>
      <section>
        <h3 className="export-panel__heading">Model</h3>
        <div className="lab-actions">
          <button
            type="button"
            className="button button--small"
            disabled={!engine || !model || busy}
            onClick={() =>
              void act(async () => {
                const file = await engine!.request({ type: 'saveCheckpoint' });
                downloadBytes(file.bytes, file.name);
              })
            }
          >
            Checkpoint (.safetensors)
          </button>
        </div>
        {layers.length > 0 ? (
          <div className="lab-row">
            {layers.length > 1 ? (
              <select
                aria-label="Memory block to export"
                value={chosenLayer ?? ''}
                onChange={(e) => setLayer(Number(e.target.value))}
              >
                {layers.map((l) => (
                  <option key={l} value={l}>
                    block {l + 1}
                  </option>
                ))}
              </select>
            ) : null}
            <select
              aria-label="Layout of the exported memory"
              value={layout}
              onChange={(e) => setLayout(e.target.value as MemoryLayout)}
            >
              {MEMORY_LAYOUTS.map((l) => (
                <option key={l} value={l}>
                  {LAYOUT_LABELS[l]}
                </option>
              ))}
            </select>
            <button
              type="button"
              className="button button--small"
              disabled={!engine || busy || chosenLayer === null}
              onClick={() =>
                void act(async () => {
                  const file = await engine!.request({ type: 'saveCheckpoint' });
                  const memory = memoryFromCheckpoint(file.bytes, chosenLayer!);
                  const problems = exportProblems(layout, memory.spec, memory.weights);
                  if (problems.length > 0) {
                    setNote({
                      kind: 'error',
                      text: `This memory cannot be written exactly in the ${layout} layout: ${problems.join('; ')}.`,
                    });
                    return;
                  }
                  downloadBytes(
                    memoryBytes(memory, file.step, layout),
                    `pkm-block${chosenLayer! + 1}-step${file.step}-memory-${layout}.safetensors`,
                  );
                  setNote({
                    kind: 'ok',
                    text: `The memory as a ${LAYOUT_LABELS[layout]} state_dict: load it in PyTorch with safetensors.torch.load_file and load_state_dict, or here under “Your own memory”.`,
                  });
                })
              }
            >
              Export memory
            </button>
          </div>
        ) : null}
      </section>
      {note ? <Message kind={note.kind}>{note.text}</Message> : null}
    </div>
  );
}
