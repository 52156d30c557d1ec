import { num } from '../lib/format';
import type { BenchResult, StepWorkRow } from '../lib/result';
import { marked, type ReadmeRow } from './readme';

/** The step-work suite's rows of the README table (fused / reference where both matter). */

const model = (r: BenchResult) => r.stepwork?.find((s) => s.unit === 'model');
const largestMemory = (r: BenchResult) => r.stepwork?.filter((s) => s.unit === 'memory').at(-1);
const target = (r: BenchResult, id: string) => r.targets.find((t) => t.id === id);
const both = (row: StepWorkRow | undefined, pick: (w: StepWorkRow['fused']) => number) =>
  row ? `${num(pick(row.fused))} / ${num(pick(row.reference))}` : '—';

export function stepWorkRows(): ReadmeRow[] {
  return [
    [
      'Compute kernels per default-model step, fused / reference (WebGPU: dispatches where more)',
      '≤ 600',
      (r) =>
        marked(
          both(model(r), (w) => Math.max(w.compute_kernels, w.gpu_dispatches ?? 0)),
          target(r, 'stepwork_model_kernels'),
          r,
        ),
    ],
    [
      'Blocking read-backs per step, fused / reference (most over units)',
      '0',
      (r) => {
        const rows = r.stepwork ?? [];
        if (!rows.length) return '—';
        const most = (m: 'fused' | 'reference') => Math.max(...rows.map((s) => s[m].blocking_reads));
        return marked(`${most('fused')} / ${most('reference')}`, target(r, 'stepwork_blocking_reads'), r);
      },
    ],
    ['Default-model step ms, fused / reference', '', (r) => both(model(r), (w) => w.step_ms)],
    [
      'Default-model step, reference ÷ fused',
      'wasm ≥ 1.6×, WebGPU ≥ 3×',
      (r) => {
        const m = model(r);
        return marked(m ? `${num(m.speedup)}×` : '—', target(r, 'stepwork_model_speedup'), r);
      },
    ],
    [
      'Memory-layer step alone (largest size run), reference ÷ fused',
      '≥ 2×',
      (r) => {
        const m = largestMemory(r);
        return marked(
          m ? `${num(m.speedup)}× at ${num(m.slots)}` : '—',
          target(r, 'stepwork_memory_speedup'),
          r,
        );
      },
    ],
    [
      'Paper-scale memory step ms (2^20 slots, v 128, k 32, 4 heads), fused / reference',
      '',
      (r) =>
        both(
          r.stepwork?.find((s) => s.unit === 'paper'),
          (w) => w.step_ms,
        ),
    ],
  ];
}
