/**
 * What the run bar's buttons and the keyboard shortcuts do, shared so that both obey the same
 * rules: nothing touches the live model while a comparison borrows the engine (Train would cancel
 * every compared run), Pause shows at once, and the fix for settings that do not fit keeps the
 * backend the user chose.
 */
import { DEFAULT_CONFIG } from '../../model/config';
import { useCompareStore } from '../../state/compareStore';
import { useConfigStore } from '../../state/configStore';
import { type CommandProblem, isTraining, useEngineStore } from '../../state/engineStore';
import { useUiStore } from '../../state/uiStore';
import type { EngineConnection } from '../engineConnection';

/** A comparison is training its runs on the engine: the live run's controls wait. */
export function comparisonRunning(): boolean {
  return useCompareStore.getState().progress !== null;
}

/** Train when paused; when training, say "pausing…" at once and pause (the step in flight ends first). */
export async function toggleTraining(engine: EngineConnection | null): Promise<void> {
  if (!engine || comparisonRunning()) return;
  const ui = useUiStore.getState();
  if (!isTraining(useEngineStore.getState().state)) {
    await engine.toggle();
    return;
  }
  if (ui.pausing) return;
  ui.setPausing(true);
  try {
    await engine.pause();
  } finally {
    useUiStore.getState().setPausing(false);
  }
}

export async function stepOnce(engine: EngineConnection | null): Promise<void> {
  if (!engine || comparisonRunning()) return;
  await engine.step(1);
}

export async function resetRun(engine: EngineConnection | null): Promise<void> {
  if (!engine || comparisonRunning()) return;
  await engine.reset();
}

/** The default model settings, keeping the backend the user picked (it describes this machine). */
export async function applyDefaultSettings(engine: EngineConnection | null): Promise<void> {
  const backend = useConfigStore.getState().config.backend;
  await engine?.apply({ ...DEFAULT_CONFIG, backend });
}

/**
 * Why no model can be built from the current settings, when the engine refused them (too large
 * for memory, or invalid) and nothing else is built: the run bar shows a stopped state, not
 * "warming up".
 */
export function settingsRefusal(problem: CommandProblem | null, hasModel: boolean): string | null {
  if (hasModel || !problem || problem.command !== 'configure') return null;
  return problem.kind === 'out-of-memory'
    ? 'these settings do not fit in memory'
    : 'the engine refused these settings';
}
