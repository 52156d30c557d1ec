import { isTraining, useEngineStore } from '../../../state/engineStore';
import type { EngineConnection } from '../../engineConnection';
import { EngineRequestError } from '../../engineLink';

/** One sentence for the user from anything a lab action threw (engine error replies keep their message). */
export function errorMessage(err: unknown): string {
  if (err instanceof EngineRequestError) {
    if (err.kind === 'cancelled') return 'Cancelled.';
    if (err.kind === 'format') return `The file could not be read: ${err.message}`;
    return capitalise(err.message);
  }
  if (err instanceof Error) return capitalise(err.message);
  return String(err);
}

/** Whether the engine refused because the command was cancelled. */
export function isCancelled(err: unknown): boolean {
  return err instanceof EngineRequestError && err.kind === 'cancelled';
}

function capitalise(text: string): string {
  const t = text.trim();
  // A message that starts with a name (a file, a field: "notes.txt is empty") keeps its spelling.
  const plainWord = /^[a-z]+(\s|$)/.test(t);
  const s = plainWord ? t.charAt(0).toUpperCase() + t.slice(1) : t;
  return /[.!?]$/.test(s) ? s : `${s}.`;
}

/**
 * Aborts the engine's running generate / evaluate / importMemory. The protocol's `cancel` also
 * stops training, so training that was running is started again.
 */
export async function cancelEngineWork(engine: {
  request: EngineConnection['request'];
  train(): Promise<void>;
}): Promise<void> {
  const wasTraining = isTraining(useEngineStore.getState().state);
  await engine.request({ type: 'cancel' }).catch(() => undefined);
  if (wasTraining) await engine.train();
}
