/** `pkm coverage`: how evenly a memory's slots are used over a set of input vectors. */

import { type MemoryMetrics, type SlotMetrics, SlotUsageAccumulator } from '../model/metrics/memoryMetrics';
import type { CliCommand } from './command';
import { fmt, table } from './format';
import { describeMemory } from './lookup';
import { LAYOUTS_HELP, loadMemoryAndInputs, MEMORY_INPUT_OPTIONS } from './memoryInputs';

function coverageText(header: string, notes: string[], m: MemoryMetrics): string {
  const row = (name: string, s: SlotMetrics): (string | number)[] => [
    name,
    `${(100 * s.usage).toFixed(2)}%`,
    s.kl_w,
    s.kl_u,
    s.gini_w,
    s.gini_u,
    s.top50_w,
    s.top90_w,
    s.top99_w,
  ];
  const rows = [row('memory', m), ...m.per_head.map((h, i) => row(`head ${i}`, h))];
  const overlap =
    m.heads > 1
      ? `head overlap: mean pairwise Jaccard ${fmt(m.head_overlap.jaccard)}, ` +
        `slots shared by ≥2 heads ${(100 * m.head_overlap.shared).toFixed(2)}% of used slots`
      : '';
  return [
    header,
    ...notes.map((note) => `note: ${note}`),
    `${m.tokens} inputs, ${m.slots} slots`,
    '',
    table(['', 'usage', 'kl_w', 'kl_u', 'gini_w', 'gini_u', 'top50_w', 'top90_w', 'top99_w'], rows),
    ...(overlap ? ['', overlap] : []),
  ].join('\n');
}

export const coverageCommand: CliCommand = {
  usage:
    '--memory <file> --inputs <file> [--knn <k>] [--layout <name>] [--prefix <name>] [--gates <kind>] [--json]',
  options: MEMORY_INPUT_OPTIONS,
  details: [
    "Statistics as in XLM's evaluator, over all inputs: usage (fraction of slots with weight > 0),",
    'kl_w / kl_u (KL divergence to uniform of the weight / selection counts), gini_w / gini_u, and',
    'top50_w / top90_w / top99_w (fewest slots carrying 50/90/99% of the weight); per_head: the same',
    "per head; head_overlap: mean pairwise Jaccard of the heads' slot sets, fraction of used slots",
    'shared by two or more heads.',
    '',
    LAYOUTS_HELP,
  ].join('\n'),
  async run(values, context) {
    const { memory, inputs, count } = await loadMemoryAndInputs(values, context);
    // tfjs is loaded only once the files are known to be good: a bad file is refused at once.
    const [{ startWasmBackend }, { readImportedMemory }] = await Promise.all([
      import('./tfBackend'),
      import('../model/io/layouts/reads'),
    ]);
    await startWasmBackend();
    const { spec } = memory;
    const acc = new SlotUsageAccumulator({ slots: spec.n_keys ** 2, heads: spec.heads, knn: spec.knn });
    for await (const chunk of readImportedMemory(memory, inputs, count)) {
      acc.add(chunk.slots, chunk.weights);
      if (count > chunk.rows) context.progress(`${chunk.start + chunk.rows}/${count} inputs`);
    }
    const metrics = acc.metrics();
    return {
      json: { layout: memory.layout, prefix: memory.prefix, ...metrics },
      text: coverageText(describeMemory(memory), memory.notes, metrics),
    };
  },
};
