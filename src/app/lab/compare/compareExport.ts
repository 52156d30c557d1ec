import { toCsv } from '../export/csv';
import type { Comparison } from './results';

/** A comparison as one CSV table: one row per run and step where anything was measured. */
export function compareCsv(c: Comparison): string {
  const rows: (string | number | null)[][] = [];
  for (const run of c.runs) {
    const steps = new Set<number>([...run.train.steps, ...run.val.map((v) => v.step)]);
    const train = new Map(run.train.steps.map((s, i) => [s, run.train.loss[i]]));
    const val = new Map(run.val.map((v) => [v.step, v.loss]));
    const cov = new Map(run.coverage.map((p) => [p.step, p]));
    const recall = new Map(run.recall.map((p) => [p.step, p.accuracy]));
    for (const step of [...steps].sort((a, b) => a - b)) {
      const p = cov.get(step);
      rows.push([
        run.label,
        step,
        train.get(step) ?? null,
        val.get(step) ?? null,
        p?.usage ?? null,
        p?.kl_w ?? null,
        p?.gini ?? null,
        p?.top90 ?? null,
        recall.get(step) ?? null,
      ]);
    }
  }
  return toCsv(['run', 'step', 'train_loss', 'val_loss', 'usage', 'kl_w', 'gini', 'top90', 'recall'], rows);
}
