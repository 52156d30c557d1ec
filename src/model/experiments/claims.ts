/** Small helpers that turn arm summaries into checked claims. */
import type { ArmResult, ArmSummary } from './types';

export function arm(arms: ArmResult[], label: string): ArmResult {
  const found = arms.find((a) => a.label === label);
  if (!found) throw new Error(`no arm labelled '${label}' (arms: ${arms.map((a) => a.label).join(', ')})`);
  return found;
}

/** a < b, or null when either is missing or not finite. */
export function less(a: number | null, b: number | null): boolean | null {
  if (a === null || b === null || !Number.isFinite(a) || !Number.isFinite(b)) return null;
  return a < b;
}

export const pct = (x: number | null, digits = 1): string =>
  x === null || !Number.isFinite(x) ? '-' : `${(100 * x).toFixed(digits)}%`;

export const num = (x: number | null, digits = 3): string =>
  x === null || !Number.isFinite(x) ? '-' : x.toFixed(digits);

/** "label ppl 2.41 (loss 0.880)" */
export function lossText(a: ArmResult): string {
  return `${a.label} ppl ${num(a.summary.perplexity)} (loss ${num(a.summary.loss, 4)})`;
}

/** Relative difference (b − a) / a, as a signed percentage text. */
export function relative(a: number, b: number): string {
  const r = (b - a) / a;
  return `${r >= 0 ? '+' : '−'}${Math.abs(100 * r).toFixed(1)}%`;
}

export type SummaryKey = keyof ArmSummary;
