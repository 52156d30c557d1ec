/**
 * The engine's checkpoint: one safetensors file with every weight, the dense Adam moments and, in
 * __metadata__, the config (JSON), the step and the batch sampler's state.
 *   dense.<name>            dense parameters (names of denseParams.ts)
 *   memory.<layer>.<field>  each memory's weights (MemoryWeights fields, e.g. memory.2.keys)
 *   adam.m.<i>, adam.v.<i>  Adam moments of the i-th dense variable (model.denseVariables() order)
 *   memory.<layer>.adam_m, memory.<layer>.adam_v
 *                           the memory values' sparse Adam moments ([n_keys², v_dim]); their step
 *                           counts are __metadata__.value_adam_steps (JSON list, mem_layers order)
 * With mem_share_values the one shared table, its moments and step are stored once, under the first
 * memory layer (memory.<first>.values, .adam_m, .adam_v; value_adam_steps lists one count).
 */
import { type ModelConfig, validateConfig } from '../model/config';
import { denseParamShapes } from '../model/denseParams';
import { clip, FormatError, preview } from '../model/io/errors';
import {
  type Float32Tensor,
  parseSafetensors,
  tensorFloat32,
  writeSafetensors,
} from '../model/io/safetensors';
import { memorySpecFromConfig } from '../model/memory/spec';
import type { MemoryWeights } from '../model/memory/types';
import { weightShapes } from '../model/memory/weights';
import type { AdamState } from '../model/training/adam';
import type { ModelWeights } from '../model/transformer';
import type { ValueOptimizerState } from './instrument';

export const CHECKPOINT_FORMAT = 'pkm-explorer-checkpoint/1';

export interface CheckpointContents {
  config: ModelConfig;
  weights: ModelWeights;
  optimizer: AdamState | null;
  /** One per memory (mem_layers order), or null when not saved. */
  valueOptimizers: ValueOptimizerState[] | null;
  step: number;
  samplerState: number | null;
}

/** The memory layers that store a value table and its moments: all, or the first when shared. */
function valueHolders(config: ModelConfig): number[] {
  return config.mem_share_values ? config.mem_layers.slice(0, 1) : config.mem_layers;
}

export function encodeCheckpoint(c: CheckpointContents): Uint8Array {
  const tensors: Record<string, Float32Tensor> = {};
  const valueDim = c.config.mem_layers.length > 0 ? memorySpecFromConfig(c.config).v_dim : 1;
  const dense = denseParamShapes(c.config);
  for (const [name, shape] of dense) tensors[`dense.${name}`] = { shape, data: c.weights.dense[name] };
  if (c.config.mem_layers.length > 0) {
    const shapes = weightShapes(memorySpecFromConfig(c.config));
    const holders = valueHolders(c.config);
    c.config.mem_layers.forEach((layer, i) => {
      const memory = c.weights.memories[i];
      for (const [field, shape] of Object.entries(shapes)) {
        if (field === 'values' && !holders.includes(layer)) continue;
        const data = memory[field as keyof MemoryWeights];
        if (data && shape) tensors[`memory.${layer}.${field}`] = { shape, data };
      }
    });
  }
  if (c.optimizer) {
    c.optimizer.m.forEach((m, i) => {
      tensors[`adam.m.${i}`] = { shape: [m.length], data: m };
      tensors[`adam.v.${i}`] = { shape: [m.length], data: c.optimizer!.v[i] };
    });
  }
  if (c.valueOptimizers) {
    valueHolders(c.config).forEach((layer, i) => {
      const { m, v } = c.valueOptimizers![i];
      const shape = [m.length / valueDim, valueDim];
      tensors[`memory.${layer}.adam_m`] = { shape, data: m };
      tensors[`memory.${layer}.adam_v`] = { shape, data: v };
    });
  }
  const metadata: Record<string, string> = {
    format: CHECKPOINT_FORMAT,
    config: JSON.stringify(c.config),
    step: String(c.step),
  };
  if (c.optimizer) metadata.adam_step = String(c.optimizer.step);
  if (c.valueOptimizers) {
    const steps = c.valueOptimizers.map((o) => o.step);
    metadata.value_adam_steps = JSON.stringify(steps.slice(0, valueHolders(c.config).length));
  }
  if (c.samplerState !== null) metadata.sampler_state = String(c.samplerState);
  return writeSafetensors(tensors, metadata);
}

function fail(message: string): never {
  throw new FormatError(clip(`not a PKM Explorer checkpoint: ${message}`));
}

function wholeNumber(metadata: Record<string, string>, key: string): number | null {
  const raw = metadata[key];
  if (raw === undefined) return null;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0)
    fail(`__metadata__.${key} must be a whole number (got ${raw})`);
  return value;
}

/** Reads a checkpoint; every problem is a FormatError naming what is wrong. */
export function decodeCheckpoint(bytes: Uint8Array): CheckpointContents {
  // Only the header is read up front: each tensor is decoded once its size is checked against the
  // config's (so a hostile file allocates nothing the model does not need).
  const file = parseSafetensors(bytes);
  const { metadata } = file;
  const tensors = new Map(
    [...file.tensors].map(([name, info]) => [name, info.shape.reduce((a, b) => a * b, 1)]),
  );
  if (metadata.format !== CHECKPOINT_FORMAT) {
    fail(`__metadata__.format is ${preview(metadata.format ?? null)}, expected "${CHECKPOINT_FORMAT}"`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(metadata.config ?? '');
  } catch {
    fail('__metadata__.config is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    fail('__metadata__.config is not an object');
  const checked = validateConfig(parsed as Record<string, unknown>);
  if (!checked.ok) {
    const problems = [
      ...checked.errors.map((e) => e.message),
      ...checked.unknown.map((k) => `unknown field "${k}"`),
    ];
    fail(`its config is invalid: ${problems.join('; ')}`);
  }
  const config = checked.config;
  const used = new Set<string>();
  const take = (name: string, size: number): Float32Array => {
    const count = tensors.get(name);
    if (count === undefined) fail(`tensor ${name} is missing`);
    if (count !== size) fail(`tensor ${name} has ${count} values, expected ${size}`);
    used.add(name);
    return tensorFloat32(file, name).data;
  };
  const dense: Record<string, Float32Array> = {};
  for (const [name, shape] of denseParamShapes(config)) {
    dense[name] = take(
      `dense.${name}`,
      shape.reduce((a, b) => a * b, 1),
    );
  }
  const memories: MemoryWeights[] = [];
  const holders = valueHolders(config);
  if (config.mem_layers.length > 0) {
    const shapes = weightShapes(memorySpecFromConfig(config));
    for (const layer of config.mem_layers) {
      const memory: Partial<MemoryWeights> = {};
      for (const [field, shape] of Object.entries(shapes)) {
        if (!shape) continue;
        // A shared table is read once; every memory gets that same array.
        memory[field as keyof MemoryWeights] =
          field === 'values' && !holders.includes(layer)
            ? memories[0].values
            : take(
                `memory.${layer}.${field}`,
                shape.reduce((a, b) => a * b, 1),
              );
      }
      memories.push(memory as MemoryWeights);
    }
  }
  const step = wholeNumber(metadata, 'step') ?? fail('__metadata__.step is missing');
  const adamStep = wholeNumber(metadata, 'adam_step');
  let optimizer: AdamState | null = null;
  if (adamStep !== null) {
    const m: Float32Array[] = [];
    const v: Float32Array[] = [];
    const denseSizes = [...Object.values(dense)].map((d) => d.length);
    for (let i = 0; tensors.has(`adam.m.${i}`); i++) {
      // Adam moments match the dense variables: never larger than the largest of them.
      const size = tensors.get(`adam.m.${i}`)!;
      if (
        size > Math.max(0, ...denseSizes, ...memories.flatMap((m) => Object.values(m).map((a) => a.length)))
      ) {
        fail(`tensor adam.m.${i} has ${size} values, more than any parameter of this model`);
      }
      m.push(take(`adam.m.${i}`, size));
      v.push(take(`adam.v.${i}`, size));
    }
    optimizer = { step: adamStep, m, v };
  }
  let valueOptimizers: ValueOptimizerState[] | null = null;
  if (metadata.value_adam_steps !== undefined) {
    let steps: unknown;
    try {
      steps = JSON.parse(metadata.value_adam_steps);
    } catch {
      fail('__metadata__.value_adam_steps is not JSON');
    }
    const ok =
      Array.isArray(steps) &&
      steps.length === holders.length &&
      steps.every((n) => Number.isSafeInteger(n) && n >= 0);
    if (!ok) fail(`__metadata__.value_adam_steps must list ${holders.length} whole numbers`);
    const size = config.n_keys * config.n_keys * memorySpecFromConfig(config).v_dim;
    const stored = holders.map((layer, i) => ({
      m: take(`memory.${layer}.adam_m`, size),
      v: take(`memory.${layer}.adam_v`, size),
      step: (steps as number[])[i],
    }));
    // Shared: one state, the same object for every memory (loading it twice is harmless).
    valueOptimizers = config.mem_layers.map((_, i) => stored[Math.min(i, stored.length - 1)]);
  }
  const extra = [...tensors.keys()].filter((name) => !used.has(name));
  if (extra.length > 0)
    fail(`unexpected tensors ${extra.slice(0, 5).join(', ')}${extra.length > 5 ? ', …' : ''}`);
  return {
    config,
    weights: { dense, memories },
    optimizer,
    valueOptimizers,
    step,
    samplerState: wholeNumber(metadata, 'sampler_state'),
  };
}
