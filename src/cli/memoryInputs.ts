/** The --memory / --inputs pair shared by lookup and coverage: an XLM memory file and a .npy batch. */
import { FormatError } from '../model/io/errors';
import { readNpy } from '../model/io/npy';
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
  const array = await parseFile(context, inputsPath, readNpy);
  const shape = array.shape.length === 1 ? [1, array.shape[0]] : array.shape;
  if (shape.length !== 2) {
    throw new InputError(`${inputsPath}: inputs must be [B, d_in] (got shape (${array.shape.join(', ')}))`);
  }
  const [count, width] = shape;
  if (width !== spec.d_in) {
    throw new InputError(`${inputsPath}: inputs have width ${width} but the memory's d_in is ${spec.d_in}`);
  }
  if (count === 0) throw new InputError(`${inputsPath}: there are no input vectors (B = 0)`);
  return { spec, weights, inputs: array.data, count };
}
