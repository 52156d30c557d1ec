/**
 * One memory module of a PKM Explorer checkpoint (tensors `memory.<layer>.<field>`, the model
 * config in __metadata__): what the exports to the PyTorch layouts start from.
 */
import { type ModelConfig, validateConfig } from '../config';
import { memorySpecFromConfig } from '../memory/spec';
import type { MemorySpec, MemoryWeights } from '../memory/types';
import { weightShapes } from '../memory/weights';
import { FormatError } from './errors';
import { parseSafetensors, type SafetensorsFile, tensorFloat32 } from './safetensors';

export interface CheckpointMemory {
  config: ModelConfig;
  layer: number;
  spec: MemorySpec;
  weights: MemoryWeights;
}

/** The checkpoint's config, checked, with at least one memory layer. */
function checkpointConfig(file: SafetensorsFile): ModelConfig {
  let parsed: unknown;
  try {
    parsed = JSON.parse(file.metadata.config ?? '');
  } catch {
    throw new FormatError('not a PKM Explorer checkpoint: __metadata__.config is missing or not JSON');
  }
  const checked = validateConfig((parsed ?? {}) as Record<string, unknown>);
  if (!checked.ok) throw new FormatError('not a PKM Explorer checkpoint: its config is invalid');
  const config = checked.config;
  if (config.mem_layers.length === 0) {
    throw new FormatError('this model has no memory layer (a baseline): there is no memory to export');
  }
  return config;
}

function readMemory(file: SafetensorsFile, config: ModelConfig, layer: number): CheckpointMemory {
  if (!config.mem_layers.includes(layer)) {
    throw new FormatError(
      `block ${layer + 1} has no memory (memory blocks: ${config.mem_layers.map((l) => l + 1).join(', ')})`,
    );
  }
  const spec = memorySpecFromConfig(config);
  const weights: Partial<MemoryWeights> = {};
  for (const [field, shape] of Object.entries(weightShapes(spec))) {
    if (!shape) continue;
    // mem_share_values: the one value table is stored with the first memory layer.
    const holder = field === 'values' && config.mem_share_values ? config.mem_layers[0] : layer;
    const name = `memory.${holder}.${field}`;
    const info = file.tensors.get(name);
    if (!info) throw new FormatError(`not a PKM Explorer checkpoint: tensor ${name} is missing`);
    const size = shape.reduce((a, b) => a * b, 1);
    if (info.shape.reduce((a, b) => a * b, 1) !== size) {
      throw new FormatError(`not a PKM Explorer checkpoint: tensor ${name} must hold ${size} values`);
    }
    weights[field as keyof MemoryWeights] = tensorFloat32(file, name).data;
  }
  return { config, layer, spec, weights: weights as MemoryWeights };
}

/** One memory of a checkpoint: block `layer` (0-based), by default the first memory block. */
export function memoryFromCheckpoint(bytes: Uint8Array, layer?: number): CheckpointMemory {
  const file = parseSafetensors(bytes);
  const config = checkpointConfig(file);
  return readMemory(file, config, layer ?? config.mem_layers[0]);
}

/** Every memory of a checkpoint, in mem_layers order (a shared value table read once). */
export function memoriesFromCheckpoint(bytes: Uint8Array): CheckpointMemory[] {
  const file = parseSafetensors(bytes);
  const config = checkpointConfig(file);
  const memories = config.mem_layers.map((layer) => readMemory(file, config, layer));
  if (config.mem_share_values) for (const m of memories) m.weights.values = memories[0].weights.values;
  return memories;
}
