/** `pkm export`: one memory of a PKM Explorer checkpoint as a PyTorch state_dict in a layout. */
import { writeFile } from 'node:fs/promises';
import { memoryFromCheckpoint } from '../model/io/checkpointMemory';
import { exportProblems, writeMemoryFile } from '../model/io/layouts';
import { intOption, stringOption } from './args';
import { type CliCommand, InputError, UsageError } from './command';
import { LAYOUTS_HELP, layoutOption, parseFile } from './memoryInputs';

export const exportCommand: CliCommand = {
  usage: '--model <file> --layout <name> --out <file> [--block <n>] [--json]',
  options: {
    model: {
      type: 'string',
      value: '<file>',
      description: 'a checkpoint written by pkm train --out (or the app)',
      required: true,
    },
    layout: { type: 'string', value: '<name>', description: 'xlm | lucidrains | lingua', required: true },
    out: { type: 'string', value: '<file>', description: 'the safetensors file to write', required: true },
    block: {
      type: 'string',
      value: '<n>',
      description: 'the memory block, counted from 1 (default: the first memory)',
    },
  },
  details: [
    'The file holds the state_dict of one memory module with knn and the layout in __metadata__, so',
    'that load_state_dict on the matching PyTorch module accepts it. A memory the layout cannot hold',
    'exactly (e.g. a LayerNorm query for XLM, a query bias for lucidrains) is refused with the reason.',
    '',
    LAYOUTS_HELP,
  ].join('\n'),
  async run(values, context) {
    const layout = layoutOption(values)!;
    const out = stringOption(values, 'out')!;
    if (out.trim() === '') throw new UsageError('--out needs a file name');
    const block = intOption(values, 'block', 1, 1024);
    const modelPath = stringOption(values, 'model')!;
    const memory = await parseFile(context, modelPath, (b) =>
      memoryFromCheckpoint(b, block === undefined ? undefined : block - 1),
    );
    const problems = exportProblems(layout, memory.spec, memory.weights);
    if (problems.length > 0)
      throw new InputError(
        `cannot export block ${memory.layer + 1} in the ${layout} layout: ${problems.join('; ')}`,
      );
    const bytes = writeMemoryFile(layout, memory.spec, memory.weights, {
      source: 'pkm-explorer',
      layer: String(memory.layer),
    });
    try {
      await writeFile(out, bytes);
    } catch (err) {
      throw new InputError(`cannot write '${out}': ${(err as Error).message}`);
    }
    const json = { layout, block: memory.layer + 1, out, bytes: bytes.length, spec: memory.spec };
    return {
      json,
      text: `wrote ${out}: block ${memory.layer + 1}'s memory in the ${layout} layout (${bytes.length.toLocaleString('en')} bytes)`,
    };
  },
};
