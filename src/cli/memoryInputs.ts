/** The --memory / --inputs pair shared by lookup and coverage: an XLM memory file and a .npy batch. */
import { FormatError } from '../model/io/errors';
import { readInputVectors } from '../model/io/inputVectors';
import { readXlmMemory } from '../model/io/xlmMemory';
import type { MemorySpec, MemoryWeights } from '../model/memory/types';
import { intOption, stringOption } from './args';
import { type CommandContext, InputError, type OptionSpec, type OptionValues } from './command';

export const MEMORY_INPUT_OPTIONS: Record<string, OptionSpec> = {
  memory: {
    type: 'string',
    value: '<file>',
    description: 'memory module: safetensors in the XLM state_dict layout',
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
  prefix: {
    type: 'string',
    value: '<name>',
    description: 'name prefix of the memory inside a larger state_dict',
  },
};

export interface MemoryAndInputs {
  spec: MemorySpec;
  weights: MemoryWeights;
  /** [count, d_in] row-major. */
  inputs: Float32Array;
  count: number;
}

async function parseFile<T>(
  context: CommandContext,
  path: string,
  parse: (bytes: Uint8Array) => T,
): Promise<T> {
  const bytes = await context.readFile(path);
  try {
    return parse(bytes);
  } catch (err) {
    if (err instanceof FormatError) throw new InputError(`${path}: ${err.message}`);
    throw err;
  }
}

export async function loadMemoryAndInputs(
  values: OptionValues,
  context: CommandContext,
): Promise<MemoryAndInputs> {
  const memoryPath = stringOption(values, 'memory')!;
  const inputsPath = stringOption(values, 'inputs')!;
  const knn = intOption(values, 'knn', 1, 1 << 20);
  const prefix = stringOption(values, 'prefix');
  const { spec, weights } = await parseFile(context, memoryPath, (b) => readXlmMemory(b, { knn, prefix }));
  const { inputs, count } = await parseFile(context, inputsPath, (b) => readInputVectors(b, spec.d_in));
  return { spec, weights, inputs, count };
}
