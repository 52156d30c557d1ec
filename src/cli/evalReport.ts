/** How the model commands print an evaluation: JSON fields and a readable table per memory layer. */
import type { EvalReport } from '../engine/protocol';
import type { SlotMetrics } from '../model/metrics/memoryMetrics';
import { fmt, table } from './format';

export function evalSummary(report: EvalReport) {
  return {
    step: report.step,
    loss: report.loss,
    perplexity: report.perplexity,
    bits_per_byte: report.bitsPerByte,
    tokens: report.tokens,
    ...(report.recall ? { recall: report.recall } : {}),
    memories: report.memories.map((m) => ({ layer: m.layer, ...m.metrics })),
  };
}

function metricCells(label: string, m: SlotMetrics): (string | number)[] {
  return [
    label,
    `${fmt(100 * m.usage, 4)} %`,
    fmt(m.kl_w),
    fmt(m.kl_u),
    fmt(m.gini_w),
    m.top50_w,
    m.top90_w,
    m.top99_w,
  ];
}

/** Lines: the loss, then one table per memory layer (all heads, then each head). */
export function evalRows(report: EvalReport): string[] {
  const lines = [
    `validation loss ${fmt(report.loss)} nats/byte · perplexity ${fmt(report.perplexity)} · ` +
      `${fmt(report.bitsPerByte)} bits/byte over ${report.tokens.toLocaleString('en')} tokens`,
  ];
  if (report.recall) {
    lines.push(
      `fact recall ${fmt(100 * report.recall.accuracy, 4)} % of ${report.recall.probes} held-out questions`,
    );
  }
  for (const { layer, metrics } of report.memories) {
    lines.push(
      '',
      `memory in block ${layer}: ${metrics.slots.toLocaleString('en')} slots`,
      table(
        ['heads', 'usage', 'kl_w', 'kl_u', 'gini_w', 'top50_w', 'top90_w', 'top99_w'],
        [metricCells('all', metrics), ...metrics.per_head.map((h, i) => metricCells(`head ${i + 1}`, h))],
      ),
    );
  }
  return lines;
}
