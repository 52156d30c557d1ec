/**
 * One memory module of a PKM Explorer checkpoint (tensors `memory.<layer>.<field>`, the model
 * config in __metadata__): what the exports to the PyTorch layouts start from.
 */
import { type ModelConfig, validateConfig } from '../config';
import { memorySpecFromConfig } from '../memory/spec';
import type { MemorySpec, MemoryWeights } from '../memory/types';
import { weightShapes } from '../memory/weights';
import { FormatError } from './errors';
import { parseSafetensors, tensorFloat32 } from './safetensors';

export interface CheckpointMemory {
  config: ModelConfig;
  layer: number;
  spec: MemorySpec;
  weights: MemoryWeights;
}

export function memoryFromCheckpoint(bytes: Uint8Array, layer?: number): CheckpointMemory {
  const file = parseSafetensors(bytes);
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
  const chosen = layer ?? config.mem_layers[0];
  if (!config.mem_layers.includes(chosen)) {
    throw new FormatError(
      `block ${chosen + 1} has no memory (memory blocks: ${config.mem_layers.map((l) => l + 1).join(', ')})`,
    );
  }
  const spec = memorySpecFromConfig(config);
  const weights: Partial<MemoryWeights> = {};
  for (const [field, shape] of Object.entries(weightShapes(spec))) {
    if (!shape) continue;
    // mem_share_values: the one value table is stored with the first memory layer.
    const holder = field === 'values' && config.mem_share_values ? config.mem_layers[0] : chosen;
    const name = `memory.${holder}.${field}`;
    const info = file.tensors.get(name);
    if (!info) throw new FormatError(`not a PKM Explorer checkpoint: tensor ${name} is missing`);
    const size = shape.reduce((a, b) => a * b, 1);
    if (info.shape.reduce((a, b) => a * b, 1) !== size) {
      throw new FormatError(`not a PKM Explorer checkpoint: tensor ${name} must hold ${size} values`);
    }
    weights[field as keyof MemoryWeights] = tensorFloat32(file, name).data;
  }
  return { config, layer: chosen, spec, weights: weights as MemoryWeights };
}
