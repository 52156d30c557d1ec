import { num, spread, table } from './format';
import type { StepWorkRow } from './result';

/** The step-work table: one line per unit and kernel mode, then the fused speedup per unit. */

function label(r: StepWorkRow): string {
  const slots = num(r.slots);
  if (r.unit === 'model') return `default model (${slots} slots)`;
  if (r.unit === 'paper') return `paper memory ${slots} (v ${r.v_dim}, k ${r.knn}, ${r.heads} heads)`;
  return `memory layer ${slots}`;
}

function kb(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : `${num(bytes / 1024)} KiB`;
}

export function formatStepWork(rows: readonly StepWorkRow[]): string[] {
  const gpu = rows.some((r) => r.fused.gpu_programs !== undefined);
  const header = [
    'unit',
    'mode',
    'ms/step',
    'IQR',
    'compute kernels',
    'views',
    ...(gpu ? ['GPU programs', 'GPU dispatches'] : []),
    'reads',
    'blocking',
    'read back',
    'in-kernel reads',
    'ref ÷ fused',
  ];
  const lines: string[][] = [];
  for (const r of rows) {
    for (const mode of ['fused', 'reference'] as const) {
      const w = r[mode];
      lines.push([
        mode === 'fused' ? label(r) : '',
        mode,
        num(w.step_ms),
        spread(w.step_spread),
        String(w.compute_kernels),
        String(w.view_kernels),
        ...(gpu ? [String(w.gpu_programs ?? '—'), String(w.gpu_dispatches ?? '—')] : []),
        String(w.reads),
        String(w.blocking_reads),
        kb(w.read_bytes),
        w.kernel_reads ? `${w.kernel_reads} (${kb(w.kernel_read_bytes)})` : '0',
        mode === 'fused' ? `${num(r.speedup)}× (${spread(r.speedup_spread)})` : '',
      ]);
    }
  }
  const model = rows.find((r) => r.unit === 'model');
  return [
    'Step work per training step: fused kernels vs reference ops, same weights, interleaved',
    table(header, lines),
    ...(model
      ? [
          `default model (fused): ${num(model.steps_per_s)} steps/s, ${num(model.tokens_per_s)} training tokens/s`,
        ]
      : []),
  ];
}
