/**
 * "Open in lab": an experiment arm's config becomes the lab's config (the URL follows through the
 * hash sync) and the lab page opens. The backend stays the user's choice: it describes this
 * machine, not the experiment.
 */
import type { ModelConfig } from '../../model/config';
import { useConfigStore } from '../../state/configStore';
import { useUiStore } from '../../state/uiStore';
import type { EngineConnection } from '../engineConnection';

/** The config the lab gets for an arm: the arm's, with the current backend preference. */
export function labConfigFor(armConfig: ModelConfig): ModelConfig {
  return { ...armConfig, backend: useConfigStore.getState().config.backend };
}

/**
 * Applies the arm's config (validated; the engine rebuilds the model when one runs) and switches
 * to the lab. Returns the validation errors (empty when applied); on errors the page stays.
 */
export async function openInLab(armConfig: ModelConfig, engine: EngineConnection | null): Promise<string[]> {
  const config = labConfigFor(armConfig);
  const changed = JSON.stringify(config) !== JSON.stringify(useConfigStore.getState().config);
  if (changed) {
    const errors = useConfigStore.getState().update(config);
    if (errors.length > 0) return errors;
  }
  useUiStore.getState().setPage('lab');
  window.scrollTo({ top: 0 });
  // The rebuild runs after the switch (the lab shows the model warming up); the same config keeps
  // the model the user has already trained.
  if (changed && engine) void engine.configure(useConfigStore.getState().config);
  return [];
}
