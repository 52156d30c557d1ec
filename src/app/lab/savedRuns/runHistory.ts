import type { ModelInfo } from '../../../engine/protocol';
import { useCompareStore } from '../../../state/compareStore';
import { useConfigStore } from '../../../state/configStore';
import { useEngineStore } from '../../../state/engineStore';
import { useInspectionStore } from '../../../state/inspectionStore';
import { emptyRunData, type RunData } from '../../../state/runData';
import { useRunDataStore } from '../../../state/runDataStore';
import { checkpointHistory } from '../../checkpointHistory';
import type { EngineConnection } from '../../engineConnection';
import { EngineRequestError } from '../../engineLink';
import { cancelInspectionScan } from '../../inspectionScan';
import { isComparison } from '../compare/results';
import type { SavedRun, SavedRunHistory } from './runStorage';

/** What the figures show of the live run, to keep with a saved run (null unless it is live). */
export function currentHistory(data: RunData = useRunDataStore.getState().data): SavedRunHistory | null {
  if (data.source !== 'live') return null;
  const n = data.losses.length;
  return {
    // Copies: the live buffers keep growing after the save.
    losses: { steps: data.losses.steps.slice(0, n), loss: data.losses.loss.slice(0, n) },
    val: data.val,
    recall: data.recall,
    coverage: data.coverage,
    eval: data.eval,
  };
}

/** The figures' data for a loaded run: its saved history up to `step`, or nothing but the step. */
export function runDataFromHistory(history: SavedRunHistory | null, step: number): RunData {
  const empty = { ...emptyRunData('live'), step };
  if (!history) return empty;
  const { steps, loss } = history.losses;
  let n = Math.min(steps.length, loss.length);
  while (n > 0 && steps[n - 1] > step) n--;
  return {
    ...empty,
    losses: { steps: steps.slice(0, n), loss: loss.slice(0, n), length: n },
    val: history.val.filter((v) => v.step <= step),
    recall: (history.recall ?? []).filter((r) => r.step <= step),
    coverage: history.coverage,
    eval: history.eval && history.eval.step <= step ? history.eval : null,
  };
}

/**
 * The figures' data for a checkpoint: the history saved with it (validations, coverage) where there
 * is one, the losses, recall and usage maps the file itself carries, up to `step`.
 */
export function runDataFromCheckpoint(
  bytes: Uint8Array,
  history: SavedRunHistory | null,
  step: number,
): RunData {
  const saved = checkpointHistory(bytes);
  const losses =
    history?.losses ?? (saved.losses ? { steps: saved.losses.steps, loss: saved.losses.loss } : null);
  const data = runDataFromHistory(
    losses
      ? { losses, val: history?.val ?? [], coverage: history?.coverage ?? [], eval: history?.eval ?? null }
      : null,
    step,
  );
  const recall = (history?.recall ?? saved.recall ?? []).filter((r) => r.step <= step);
  return { ...data, recall, usage: saved.usage };
}

/**
 * Makes a checkpoint the user's run: the engine loads it, the settings (and the URL) take its
 * config, the figures its history (or `data`, what they showed of it: an undone reset); comparisons
 * saved with it come back into the session.
 */
export async function loadRunIntoApp(
  engine: EngineConnection,
  run: Pick<SavedRun, 'bytes' | 'history' | 'comparisons'>,
  data?: RunData,
): Promise<ModelInfo> {
  let info: ModelInfo;
  try {
    info = await engine.request({ type: 'loadCheckpoint', bytes: run.bytes });
  } catch (err) {
    if (err instanceof EngineRequestError && err.kind === 'corpus') {
      throw new Error(
        'this run was trained on your own text, which is not stored with it: load that text under “Your own data” first, then load the run again',
      );
    }
    throw err;
  }
  cancelInspectionScan();
  useInspectionStore.getState().clear();
  useConfigStore.setState({ config: info.config });
  useEngineStore.getState().modelReady(info);
  useEngineStore.setState({ fault: null });
  useRunDataStore
    .getState()
    .replace(
      data ? { ...data, step: info.step } : runDataFromCheckpoint(run.bytes, run.history, info.step),
      null,
    );
  const known = new Set(useCompareStore.getState().comparisons.map((c) => c.id));
  const incoming = run.comparisons.filter((c) => isComparison(c) && !known.has(c.id));
  if (incoming.length > 0) {
    useCompareStore.getState().replaceAll([...incoming, ...useCompareStore.getState().comparisons]);
  }
  await engine.select();
  return info;
}
