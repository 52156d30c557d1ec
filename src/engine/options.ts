import type { EngineOptions } from './protocol/state';

export const DEFAULT_ENGINE_OPTIONS: Readonly<EngineOptions> = Object.freeze({
  snapshotHz: 15,
  evalEvery: 100,
  evalBatches: 8,
  traceHz: 4,
  usageHz: 4,
  usageHalfLife: 0,
  // A crash costs at most this much training; a recovery checkpoint takes milliseconds.
  checkpointEveryMs: 3_000,
  memoryCapBytes: 1.5 * 2 ** 30,
  // One recall of the default task's 300 facts costs about five training steps on wasm: ~2%.
  recallEvery: 250,
});

/** Allowed range of each option; all are numbers. */
export const OPTION_RANGES: Readonly<
  Record<keyof EngineOptions, { min: number; max: number; int: boolean }>
> = {
  snapshotHz: { min: 1, max: 60, int: false },
  evalEvery: { min: 0, max: 1_000_000, int: true },
  evalBatches: { min: 1, max: 64, int: true },
  traceHz: { min: 0.1, max: 30, int: false },
  usageHz: { min: 0.1, max: 30, int: false },
  usageHalfLife: { min: 0, max: 1e9, int: false },
  checkpointEveryMs: { min: 0, max: 3_600_000, int: true },
  memoryCapBytes: { min: 2 ** 20, max: 2 ** 40, int: true },
  recallEvery: { min: 0, max: 1_000_000, int: true },
};

/** `base` with `changes` applied, or the list of problems (unknown names, values out of range). */
export function mergeOptions(
  base: Readonly<EngineOptions>,
  changes: unknown,
): { ok: true; options: EngineOptions } | { ok: false; problems: string[] } {
  if (typeof changes !== 'object' || changes === null || Array.isArray(changes)) {
    return { ok: false, problems: ['options must be an object'] };
  }
  const problems: string[] = [];
  const merged: EngineOptions = { ...base };
  for (const [key, value] of Object.entries(changes)) {
    const range = OPTION_RANGES[key as keyof EngineOptions];
    if (!range || !Object.hasOwn(OPTION_RANGES, key)) {
      problems.push(`unknown option "${key}"`);
      continue;
    }
    const ok =
      typeof value === 'number' &&
      Number.isFinite(value) &&
      value >= range.min &&
      value <= range.max &&
      (!range.int || Number.isInteger(value));
    if (!ok) {
      problems.push(
        `${key} must be ${range.int ? 'an integer' : 'a number'} from ${range.min} to ${range.max} (got ${JSON.stringify(value)})`,
      );
      continue;
    }
    merged[key as keyof EngineOptions] = value as number;
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, options: merged };
}
