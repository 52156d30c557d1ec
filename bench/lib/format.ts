import { formatStepWork } from './formatStepwork';
import type { BenchResult, Spread, TargetCheck } from './result';

/** The readable report of one run (what the CLI prints without --json). */

export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function num(v: number | undefined, digits = 3): string {
  if (v === undefined || !Number.isFinite(v)) return '—';
  const abs = Math.abs(v);
  if (abs >= 1000) return Math.round(v).toLocaleString('en-US');
  return Number(v.toPrecision(digits)).toString();
}

export function spread(s: Spread | undefined): string {
  return s ? `${num(s[0])}–${num(s[1])}` : '—';
}

export function mb(bytes: number | undefined): string {
  return bytes === undefined ? '—' : `${num(bytes / 2 ** 20)}`;
}

export function targetLine(t: TargetCheck): string {
  const mark = t.pass === null ? '[ -- ]' : t.pass ? '[PASS]' : '[MISS]';
  const value = t.value === null ? 'not measured' : num(t.value);
  return `${mark} ${t.description}: ${value} (target ${t.comparison} ${t.threshold})${t.note ? ` — ${t.note}` : ''}`;
}

export function formatReport(r: BenchResult): string {
  const out: string[] = [];
  const m = r.machine;
  const gpu = m.gpu ? ` · GPU ${m.gpu.name}${m.gpu.fallback ? ' (software fallback)' : ''}` : '';
  out.push(
    `PKM Explorer benchmarks — ${r.runner} · ${r.backend} · ${m.cpu} (${m.cores} cores)${gpu} · ${
      r.quick ? 'quick' : 'full'
    } run, ${num(r.duration_s)} s · ${r.date}`,
  );
  if (r.lookup?.length) {
    out.push(
      '',
      'Lookup: product keys vs flat keys, same slots (selection = query → slot ids; read = whole forward)',
    );
    out.push(
      table(
        [
          'slots',
          'queries',
          'product ms',
          'fused ms',
          'flat ms',
          'speedup',
          'IQR',
          'fused speedup',
          'fused ÷ ref',
          'read prod ms',
          'read fused ms',
          'read flat ms',
          'read speedup',
        ],
        r.lookup.map((l) => [
          num(l.slots),
          String(l.batch),
          num(l.product_ms),
          num(l.fused_ms),
          num(l.flat_ms),
          l.speedup === undefined ? 'flat n/a' : `${num(l.speedup)}×`,
          spread(l.speedup_spread),
          l.fused_speedup === undefined ? '—' : `${num(l.fused_speedup)}×`,
          l.fused_over_reference === undefined ? '—' : `${num(l.fused_over_reference)}×`,
          num(l.read_product_ms),
          num(l.read_fused_ms),
          num(l.read_flat_ms),
          l.read_speedup === undefined ? '—' : `${num(l.read_speedup)}×`,
        ]),
      ),
    );
  }
  if (r.scaling?.length) {
    out.push('', 'Training step vs memory size (memory layer; model = full model step)');
    out.push(
      table(
        [
          'slots',
          'sparse ms',
          'IQR',
          'of which update',
          '÷ 2^12',
          'dense ms',
          'dense ÷ sparse',
          'B/slot',
          'peak MB sparse',
          'peak MB dense',
          'model ms',
          'model ÷ 2^12',
          'model ÷ FFN',
          'model dense ms',
        ],
        r.scaling.map((s) => [
          num(s.slots),
          num(s.sparse_step_ms),
          spread(s.sparse_spread),
          num(s.sparse_update_ms),
          num(s.sparse_over_4096),
          num(s.dense_step_ms),
          num(s.dense_over_sparse),
          num(s.sparse_bytes_per_slot),
          mb(s.sparse_peak_bytes),
          mb(s.dense_peak_bytes),
          num(s.model_step_ms),
          num(s.model_over_4096),
          num(s.model_over_ffn),
          num(s.model_dense_step_ms),
        ]),
      ),
    );
  }
  if (r.vs_ffn) {
    const v = r.vs_ffn;
    out.push('', `Memory vs FFN in the same layer (n_keys ${v.n_keys})`);
    out.push(
      table(
        ['model', 'step ms', 'tokens/s (inference)', 'layer params', 'model params'],
        [
          ['memory', num(v.pkm_step_ms), num(v.pkm_tokens_per_s), num(v.pkm_params), num(v.pkm_model_params)],
          ['FFN', num(v.ffn_step_ms), num(v.ffn_tokens_per_s), num(v.ffn_params), num(v.ffn_model_params)],
        ],
      ),
    );
    out.push(`step ratio ${num(v.ratio)} (IQR ${spread(v.ratio_spread)})`);
  }
  if (r.stepwork?.length) out.push('', ...formatStepWork(r.stepwork));
  if (r.ui) {
    const u = r.ui;
    out.push('', 'UI (main thread)');
    out.push(
      `heat map 512×512 redraw ${num(u.heatmap_ms)} ms (IQR ${spread(u.heatmap_spread)}; paint alone ${num(
        u.heatmap_paint_ms,
      )} ms; UsageHeatmap update ${num(u.heatmap_component_ms)} ms)`,
    );
    out.push(
      `rAF ${num(u.fps)} fps (5th percentile ${num(u.fps_low)}, longest frame ${num(u.longest_frame_ms)} ms) while ${
        u.fps_training
      } ran ${u.fps_training_steps} training step(s); ${num(u.fps_with_heatmap)} fps (5th percentile ${num(
        u.fps_with_heatmap_low,
      )}) with a live heat map redrawn every 250 ms as well`,
    );
  }
  out.push('', 'Targets');
  for (const t of r.targets) out.push(targetLine(t));
  if (r.notes.length) out.push('', 'Notes', ...r.notes.map((n) => `- ${n}`));
  return out.join('\n');
}
