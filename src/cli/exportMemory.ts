/** `pkm export`: one memory of a PKM Explorer checkpoint as a PyTorch state_dict in a layout. */
import { writeFile } from 'node:fs/promises';
import {
  type CheckpointMemory,
  memoriesFromCheckpoint,
  memoryFromCheckpoint,
} from '../model/io/checkpointMemory';
import { exportLinguaModel, exportProblems, KNN_METADATA_KEY, writeMemoryFile } from '../model/io/layouts';
import { writeSafetensors } from '../model/io/safetensors';
import { intOption, stringOption } from './args';
import { type CliCommand, InputError, UsageError } from './command';
import { LAYOUTS_HELP, layoutOption, parseFile } from './memoryInputs';

export const exportCommand: CliCommand = {
  usage: '--model <file> --layout <name> --out <file> [--block <n> | --all] [--json]',
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
    all: {
      type: 'boolean',
      description: 'lingua: every memory in one whole-model state_dict (a shared value pool once)',
    },
  },
  details: [
    'The file holds the state_dict of one memory module with knn and the layout in __metadata__, so',
    'that load_state_dict on the matching PyTorch module accepts it. A memory the layout cannot hold',
    'exactly (e.g. a LayerNorm query for XLM, a query bias for lucidrains) is refused with the reason.',
    'With --all (lingua) every memory is written under layers.<block>.feed_forward. (block from 0),',
    'as Memory Layers at Scale names them; with mem_share_values only the first holds values.weight.',
    '',
    LAYOUTS_HELP,
  ].join('\n'),
  async run(values, context) {
    const layout = layoutOption(values)!;
    const out = stringOption(values, 'out')!;
    if (out.trim() === '') throw new UsageError('--out needs a file name');
    const block = intOption(values, 'block', 1, 1024);
    const modelPath = stringOption(values, 'model')!;
    if (values.all === true) {
      if (layout !== 'lingua') throw new UsageError('--all writes a whole model in the lingua layout only');
      if (block !== undefined) throw new UsageError('--all exports every block: leave out --block');
      const memories = await parseFile(context, modelPath, memoriesFromCheckpoint);
      return writeWholeModel(memories, out);
    }
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

/** `--all`: every memory of the checkpoint as one lingua whole-model state_dict. */
async function writeWholeModel(memories: CheckpointMemory[], out: string) {
  const { config, spec } = memories[0];
  const problems = exportProblems('lingua', spec, memories[0].weights);
  if (problems.length > 0)
    throw new InputError(`cannot export the model in the lingua layout: ${problems.join('; ')}`);
  const tensors = exportLinguaModel({
    spec,
    layers: config.mem_layers,
    weights: memories.map((m) => m.weights),
    shareValues: config.mem_share_values,
  });
  const bytes = writeSafetensors(tensors, {
    source: 'pkm-explorer',
    layout: 'lingua',
    [KNN_METADATA_KEY]: String(spec.knn),
    mem_share_values: String(config.mem_share_values),
  });
  try {
    await writeFile(out, bytes);
  } catch (err) {
    throw new InputError(`cannot write '${out}': ${(err as Error).message}`);
  }
  const blocks = config.mem_layers.map((l) => l + 1);
  const json = { layout: 'lingua', blocks, shared: config.mem_share_values, out, bytes: bytes.length, spec };
  const pool = config.mem_share_values ? ', one shared value pool' : '';
  return {
    json,
    text: `wrote ${out}: the memories of blocks ${blocks.join(', ')} in the lingua layout${pool} (${bytes.length.toLocaleString('en')} bytes)`,
  };
}
