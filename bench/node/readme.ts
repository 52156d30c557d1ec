import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { mb, num } from '../lib/format';
import type { BenchResult, TargetCheck } from '../lib/result';
import { BACKEND_TIMED_TARGETS, lookupSpeedup } from '../lib/targets';
import { stepWorkRows } from './readmeStepwork';
import { loadResults, resultFileName } from './results';

/**
 * The README's benchmark table: one column per runner and backend, from the latest run of each
 * in bench/results/ (a full run is preferred to a quick one of the same runner and backend).
 * Only the text between the two markers is rewritten.
 */

/** One README table row: measure, target, and the cell of one run. */
export type ReadmeRow = [string, string, (r: BenchResult) => string];

export const README = path.resolve(import.meta.dirname, '..', '..', 'README.md');
const START = '<!-- bench:table:start -->';
const END = '<!-- bench:table:end -->';

const COLUMN_ORDER = ['node-wasm', 'node-cpu', 'node-webgpu', 'chromium-webgpu', 'chromium-wasm'];

export function latestRuns(results: readonly BenchResult[]): BenchResult[] {
  const best = new Map<string, BenchResult>();
  for (const r of results) {
    const key = `${r.runner}-${r.backend}${r.machine.gpu && !r.machine.gpu.fallback ? '-gpu' : ''}`;
    const cur = best.get(key);
    const better = !cur || (cur.quick && !r.quick) || (cur.quick === r.quick && r.date > cur.date);
    if (better) best.set(key, r);
  }
  const rank = (r: BenchResult) => {
    const i = COLUMN_ORDER.indexOf(`${r.runner}-${r.backend}`);
    return i < 0 ? COLUMN_ORDER.length : i;
  };
  return [...best.values()].sort((a, b) => rank(a) - rank(b));
}

/** Targets timed on the tfjs backend (not the UI's Canvas2D or a parameter count). */
/** A value with ✅/❌ against its target; † instead for backend times on a software GPU. */
export function marked(value: string, t: TargetCheck | undefined, r: BenchResult): string {
  if (!t || value === '—') return value;
  if (r.machine.gpu?.fallback && BACKEND_TIMED_TARGETS.has(t.id)) return `${value} †`;
  if (t.pass === null) return value;
  return `${value} ${t.pass ? '✅' : '❌'}`;
}

export function renderTable(runs: readonly BenchResult[]): string {
  const target = (r: BenchResult, id: string) => r.targets.find((t) => t.id === id);
  const scaling = (r: BenchResult, slots: number) => r.scaling?.find((s) => s.slots === slots);
  const lookup = (r: BenchResult, slots: number) => r.lookup?.find((l) => l.slots === slots);
  const x = (v: number | undefined) => (v === undefined ? '—' : `${num(v)}×`);
  const pair = (a: number | undefined, b: number | undefined) =>
    a === undefined && b === undefined ? '—' : `${num(a)} / ${num(b)}`;
  const rows: ReadmeRow[] = [
    [
      'Lookup speedup, product vs flat top-k, 65,536 slots (selection)',
      '≥ 50×',
      (r) => marked(x(lookupSpeedup(lookup(r, 65_536))), target(r, 'lookup_speedup'), r),
    ],
    [
      'Lookup ms, product / flat, 65,536 slots (selection)',
      '',
      (r) => {
        const row = lookup(r, 65_536);
        return pair(row?.fused_ms ?? row?.product_ms, row?.flat_ms);
      },
    ],
    [
      'Fused selection op vs plain-op reference, 65,536 slots (reference ms ÷ fused ms)',
      '',
      (r) => x(lookup(r, 65_536)?.fused_over_reference),
    ],
    [
      'Lookup speedup at 4,096 / 16,384 slots (selection)',
      '',
      (r) => pair(lookup(r, 4096)?.speedup, lookup(r, 16_384)?.speedup),
    ],
    [
      'Whole-read speedup (query net + selection + values), 65,536 slots',
      '',
      (r) => x(lookup(r, 65_536)?.read_speedup),
    ],
    [
      'Product lookup ms at 262,144 slots (flat: not allowed)',
      '',
      (r) => num(lookup(r, 262_144)?.product_ms),
    ],
    ['Queries per lookup', '1,024', (r) => (r.lookup?.[0] ? String(r.lookup[0].batch) : '—')],
    [
      'Memory-layer step, 2^18 ÷ 2^12 slots (sparse updates)',
      '≤ 1.3×',
      (r) => marked(x(scaling(r, 2 ** 18)?.sparse_over_4096), target(r, 'memory_step_scaling'), r),
    ],
    [
      'Memory-layer step ms, 2^12 / 2^18 slots, sparse',
      '',
      (r) => pair(scaling(r, 4096)?.sparse_step_ms, scaling(r, 2 ** 18)?.sparse_step_ms),
    ],
    [
      'Same step ms with dense gradient + dense Adam, 2^12 / 2^18',
      '',
      (r) => pair(scaling(r, 4096)?.dense_step_ms, scaling(r, 2 ** 18)?.dense_step_ms),
    ],
    [
      'Full model step, 2^18 ÷ 2^12 slots',
      '≤ 1.3×',
      (r) => marked(x(scaling(r, 2 ** 18)?.model_over_4096), target(r, 'model_step_scaling'), r),
    ],
    [
      'Full model step ms, 2^12 / 2^18 slots, sparse',
      '',
      (r) => pair(scaling(r, 4096)?.model_step_ms, scaling(r, 2 ** 18)?.model_step_ms),
    ],
    [
      'Same with dense-gradient values (DenseValueMemory), 2^12 / 2^18',
      '',
      (r) => pair(scaling(r, 4096)?.model_dense_step_ms, scaling(r, 2 ** 18)?.model_dense_step_ms),
    ],
    [
      'Memory model step ÷ FFN model step, memory at 2^18 slots',
      '≤ 1.25×',
      (r) => marked(x(r.vs_ffn?.ratio), target(r, 'vs_ffn_time'), r),
    ],
    [
      'Same ratio with the memory at 2^12 / 2^14 / 2^16 slots (8× / 32× / 127× the FFN params)',
      '',
      (r) =>
        [4096, 16_384, 65_536].some((n) => scaling(r, n)?.model_over_ffn !== undefined)
          ? [4096, 16_384, 65_536].map((n) => num(scaling(r, n)?.model_over_ffn)).join(' / ')
          : '—',
    ],
    [
      'Memory layer params ÷ FFN layer params',
      '≥ 10×',
      (r) => marked(x(r.vs_ffn && r.vs_ffn.pkm_params / r.vs_ffn.ffn_params), target(r, 'vs_ffn_params'), r),
    ],
    [
      'Inference tokens/s, memory / FFN model',
      '',
      (r) => pair(r.vs_ffn?.pkm_tokens_per_s, r.vs_ffn?.ffn_tokens_per_s),
    ],
    [
      'Bytes per slot at 2^18 (values + Adam moments)',
      '',
      (r) => num(scaling(r, 2 ** 18)?.sparse_bytes_per_slot),
    ],
    [
      'Peak tf.memory() MB in a step at 2^18, sparse / dense',
      '',
      (r) =>
        scaling(r, 2 ** 18)?.sparse_peak_bytes === undefined
          ? '—'
          : `${mb(scaling(r, 2 ** 18)?.sparse_peak_bytes)} / ${mb(scaling(r, 2 ** 18)?.dense_peak_bytes)}`,
    ],
    [
      'Heat map 512×512 redraw, ms',
      '≤ 8',
      (r) => marked(r.ui ? num(r.ui.heatmap_ms) : '—', target(r, 'heatmap_ms'), r),
    ],
    [
      "Main-thread fps while the app's engine trains",
      '≥ 55',
      (r) => marked(r.ui ? num(r.ui.fps) : '—', target(r, 'fps'), r),
    ],
    [
      'Same, with a live 512×512 heat map redrawn every 250 ms',
      '',
      (r) => (r.ui?.fps_with_heatmap === undefined ? '—' : num(r.ui.fps_with_heatmap)),
    ],
    ...stepWorkRows(),
  ];
  const head = (r: BenchResult) => {
    const gpu = r.machine.gpu ? `, ${r.machine.gpu.name}${r.machine.gpu.fallback ? ' (software)' : ''}` : '';
    return `${r.runner} · ${r.backend}${gpu}`;
  };
  const lines = [
    `| measure | target | ${runs.map(head).join(' | ')} |`,
    `| --- | --- | ${runs.map(() => '---').join(' | ')} |`,
    ...rows.map(([name, goal, cell]) => `| ${name} | ${goal} | ${runs.map(cell).join(' | ')} |`),
  ];
  const sources = runs.map((r) => {
    const mode = r.quick ? 'quick' : 'full';
    const load = r.load ? `, load average ${r.load.start[0]} → ${r.load.end[0]}` : '';
    const runtime = r.machine.runtime.split(' ').slice(0, 2).join(' ');
    return `- ${head(r)}: ${r.machine.cpu}, ${r.machine.cores} cores, ${runtime}; ${mode} run of ${num(r.duration_s)} s on ${r.date.slice(0, 10)}${load} — \`bench/results/${resultFileName(r)}\``;
  });
  const footnote = runs.some((r) => r.machine.gpu?.fallback)
    ? [
        '',
        '† software WebGPU (SwiftShader): the suites run, but its times say nothing about a GPU; no pass/miss (the fused ÷ reference speedups are judged there: issue 12 sets them on SwiftShader).',
      ]
    : [];
  return [...lines, ...footnote, '', ...sources].join('\n');
}

/** Rewrites the table between the markers of README.md; returns the runs it shows. */
export function updateReadme(file = README): BenchResult[] {
  const text = readFileSync(file, 'utf8');
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  if (start < 0 || end < start)
    throw new Error(`${file} has no benchmark table markers (${START} … ${END}) to rewrite`);
  const runs = latestRuns(loadResults());
  if (runs.length === 0) throw new Error('bench/results/ holds no results: run the benchmark first');
  const table = renderTable(runs);
  writeFileSync(file, `${text.slice(0, start + START.length)}\n${table}\n${text.slice(end)}`);
  return runs;
}
