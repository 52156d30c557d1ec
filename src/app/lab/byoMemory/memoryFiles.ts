/**
 * Files to try "bring your own memory" without having any: the live model's memory in XLM's layout
 * (from the engine's checkpoint) and inputs for it, either the real hidden states that enter the
 * memory for the bytes of a text (traced one by one) or seeded Gaussian noise of the right width.
 */
import { type ModelConfig, validateConfig } from '../../../model/config';
import { FormatError } from '../../../model/io/errors';
import { writeNpy } from '../../../model/io/npy';
import { parseSafetensors, tensorFloat32 } from '../../../model/io/safetensors';
import { writeXlmMemory } from '../../../model/io/xlmMemory';
import { memorySpecFromConfig } from '../../../model/memory/spec';
import type { MemorySpec, MemoryWeights } from '../../../model/memory/types';
import { weightShapes } from '../../../model/memory/weights';
import { createRng } from '../../../model/random';

export interface CheckpointMemory {
  config: ModelConfig;
  layer: number;
  spec: MemorySpec;
  weights: MemoryWeights;
}

/** One memory module of an engine checkpoint (tensors `memory.<layer>.<field>`, config in __metadata__). */
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
    const name = `memory.${chosen}.${field}`;
    if (!file.tensors.has(name))
      throw new FormatError(`not a PKM Explorer checkpoint: tensor ${name} is missing`);
    weights[field as keyof MemoryWeights] = tensorFloat32(file, name).data;
  }
  return { config, layer: chosen, spec, weights: weights as MemoryWeights };
}

/** The memory as XLM's state_dict in safetensors (knn and the source in __metadata__). */
export function xlmMemoryBytes(memory: CheckpointMemory, step: number): Uint8Array {
  return writeXlmMemory(memory.spec, memory.weights, {
    source: 'pkm-explorer',
    layer: String(memory.layer),
    step: String(step),
  });
}

/** [count, d_in] standard normal values from `seed`, as a .npy file. */
export function randomInputs(
  count: number,
  dIn: number,
  seed: number,
): { data: Float32Array; npy: Uint8Array } {
  const rng = createRng(seed);
  const data = new Float32Array(count * dIn);
  for (let i = 0; i < data.length; i++) data[i] = rng.normal();
  return { data, npy: writeNpy(data, [count, dIn]) };
}

/** Stacks equal-length vectors into a [count, d] .npy file. */
export function stackedNpy(rows: readonly Float32Array[]): Uint8Array {
  if (rows.length === 0) throw new Error('no input vectors to write');
  const d = rows[0].length;
  const data = new Float32Array(rows.length * d);
  rows.forEach((r, i) => {
    if (r.length !== d) throw new Error(`input ${i} has ${r.length} values, expected ${d}`);
    data.set(r, i * d);
  });
  return writeNpy(data, [rows.length, d]);
}
