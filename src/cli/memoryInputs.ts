/**
 * The --memory / --inputs pair shared by lookup and coverage: a memory module in one of the
 * PyTorch layouts (safetensors; layout detected or --layout) and a .npy batch of its inputs.
 */
import { FormatError } from '../model/io/errors';
import { readInputVectors } from '../model/io/inputVectors';
import { readMemoryFile } from '../model/io/layouts';
import {
  type Gates,
  type ImportedMemory,
  isMemoryLayout,
  LAYOUT_LABELS,
  MEMORY_LAYOUTS,
} from '../model/io/layouts/types';
import { intOption, stringOption } from './args';
import { type CommandContext, InputError, type OptionSpec, type OptionValues, UsageError } from './command';

export const MEMORY_INPUT_OPTIONS: Record<string, OptionSpec> = {
  memory: {
    type: 'string',
    value: '<file>',
    description: 'memory module: safetensors of a PyTorch state_dict (XLM, lucidrains PKM or lingua layout)',
    required: true,
  },
  inputs: {
    type: 'string',
    value: '<file>',
    description: 'input vectors: .npy <f4/<f8, [B, d_in]',
    required: true,
  },
  knn: {
    type: 'string',
    value: '<k>',
    description: "slots read per head (default: the file's __metadata__ knn)",
  },
  layout: {
    type: 'string',
    value: '<name>',
    description: `${MEMORY_LAYOUTS.join(' | ')} (default: detected from the tensor names and shapes)`,
  },
  prefix: {
    type: 'string',
    value: '<name>',
    description: 'name prefix of the memory inside a whole-model state_dict (pkm memories lists them)',
  },
  gates: {
    type: 'string',
    value: '<kind>',
    description: "softmax (default) | relu: lucidrains PKM's non_competitive_gates",
  },
};

export const LAYOUTS_HELP = [
  'Layouts (state_dict names of one memory module, as safetensors.torch.save_file writes them):',
  ...MEMORY_LAYOUTS.map((l) => `  ${l.padEnd(10)} ${LAYOUT_LABELS[l]}`),
].join('\n');

export interface MemoryAndInputs {
  memory: ImportedMemory;
  /** [count, d_in] row-major. */
  inputs: Float32Array;
  count: number;
}

/** A file's bytes parsed by `parse`; its FormatErrors become one-line InputErrors naming the file. */
export async function parseFile<T>(
  context: CommandContext,
  path: string,
  parse: (bytes: Uint8Array) => T | Promise<T>,
): Promise<T> {
  const bytes = await context.readFile(path);
  try {
    return await parse(bytes);
  } catch (err) {
    if (err instanceof FormatError) throw new InputError(`${path}: ${err.message}`);
    throw err;
  }
}

export function layoutOption(values: OptionValues) {
  const layout = stringOption(values, 'layout');
  if (layout !== undefined && !isMemoryLayout(layout)) {
    throw new UsageError(
      `--layout must be one of ${MEMORY_LAYOUTS.join(', ')} (got '${layout.slice(0, 40)}')`,
    );
  }
  return layout;
}

function gatesOption(values: OptionValues): Gates | undefined {
  const gates = stringOption(values, 'gates');
  if (gates !== undefined && gates !== 'softmax' && gates !== 'relu') {
    throw new UsageError(`--gates must be softmax or relu (got '${gates.slice(0, 40)}')`);
  }
  return gates;
}

export async function loadMemoryAndInputs(
  values: OptionValues,
  context: CommandContext,
): Promise<MemoryAndInputs> {
  const memoryPath = stringOption(values, 'memory')!;
  const inputsPath = stringOption(values, 'inputs')!;
  const options = {
    knn: intOption(values, 'knn', 1, 1 << 20),
    prefix: stringOption(values, 'prefix'),
    layout: layoutOption(values),
    gates: gatesOption(values),
  };
  const memory = await parseFile(context, memoryPath, (b) => readMemoryFile(b, options));
  const { inputs, count } = await parseFile(context, inputsPath, (b) =>
    readInputVectors(b, memory.spec.d_in),
  );
  return { memory, inputs, count };
}
