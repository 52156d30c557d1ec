/** `pkm memories`: the memory modules a safetensors file holds, per layout, from its header. */
import { describeMemoryFile } from '../model/io/layouts';
import { stringOption } from './args';
import type { CliCommand } from './command';
import { table } from './format';
import { LAYOUTS_HELP, layoutOption, parseFile } from './memoryInputs';

export const memoriesCommand: CliCommand = {
  usage: '--memory <file> [--layout <name>] [--json]',
  options: {
    memory: {
      type: 'string',
      value: '<file>',
      description: 'a safetensors state_dict (one module or a whole model)',
      required: true,
    },
    layout: { type: 'string', value: '<name>', description: 'try every memory-like prefix in this layout' },
  },
  details: [
    'Lists each memory with its prefix (give it to lookup and coverage as --prefix), layout, shapes and',
    'the knn it allows; memory-like tensor groups that cannot be read are listed with why.',
    '',
    LAYOUTS_HELP,
  ].join('\n'),
  async run(values, context) {
    const path = stringOption(values, 'memory')!;
    const layout = layoutOption(values);
    const description = await parseFile(context, path, (b) =>
      describeMemoryFile(b, b.byteLength, { layout }),
    );
    const rows = description.memories.map((m) => [
      m.prefix === '' ? '(none)' : m.prefix,
      m.layout,
      m.heads,
      m.n_keys,
      m.k_dim,
      m.d_in,
      m.fileKnn ?? '-',
      m.maxKnn,
      m.outputWidth ?? 'not computed',
    ]);
    const text = [
      `${description.memories.length} memor${description.memories.length === 1 ? 'y' : 'ies'} in ${path}`,
      ...(rows.length > 0
        ? [
            '',
            table(['prefix', 'layout', 'heads', 'n_keys', 'k_dim', 'd_in', 'knn', 'max knn', 'output'], rows),
          ]
        : []),
      ...description.memories.flatMap((m) => m.notes.map((n) => `note (${m.prefix || 'memory'}): ${n}`)),
      ...description.problems.map((p) => `cannot read '${p.prefix}': ${p.message}`),
    ].join('\n');
    return { json: description, text };
  },
};
