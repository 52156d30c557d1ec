/** The committed form of a result: 6 significant digits, short number arrays on one line. */
import type { ExperimentResult } from './types';

export function resultToJson(result: ExperimentResult): string {
  const text = JSON.stringify(
    result,
    (_key, value) =>
      typeof value === 'number' && Number.isFinite(value) && !Number.isInteger(value)
        ? Number(value.toPrecision(6))
        : value,
    2,
  );
  // Curve points and short lists ([step, loss], mem_layers) on one line each.
  return `${text.replace(/\[\s*((?:-?[\d.e+-]+|null)(?:,\s*(?:-?[\d.e+-]+|null))*)\s*\]/g, (_m, inner: string) => `[${inner.split(/,\s*/).join(', ')}]`)}\n`;
}
