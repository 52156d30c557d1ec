import { describe, expect, test } from 'vitest';
import {
  memoryBytes,
  memoryFromCheckpoint,
  randomInputs,
  stackedNpy,
} from '../../../src/app/lab/byoMemory/memoryFiles';
import { DEFAULT_CONFIG, type ModelConfig } from '../../../src/model/config';
import { FormatError } from '../../../src/model/io/errors';
import { readMemoryFile } from '../../../src/model/io/layouts';
import { readNpy } from '../../../src/model/io/npy';
import { type Float32Tensor, writeSafetensors } from '../../../src/model/io/safetensors';
import { memorySpecFromConfig } from '../../../src/model/memory/spec';
import type { MemoryWeights } from '../../../src/model/memory/types';
import { initMemoryWeights, weightShapes } from '../../../src/model/memory/weights';

const config: ModelConfig = {
  ...DEFAULT_CONFIG,
  d_model: 16,
  layers: 3,
  mem_layers: [0, 2],
  n_keys: 8,
  knn: 4,
  heads: 2,
  k_dim: 8,
  query_norm: 'batchnorm',
};

/** A file laid out as the engine's checkpoint: memory.<layer>.<field> tensors, the config in __metadata__. */
function checkpointBytes(c: ModelConfig, seeds: number[]): { bytes: Uint8Array; memories: MemoryWeights[] } {
  const spec = memorySpecFromConfig(c);
  const shapes = weightShapes(spec);
  const tensors: Record<string, Float32Tensor> = {
    'dense.token_embedding': { shape: [2], data: new Float32Array(2) },
  };
  const memories = c.mem_layers.map((layer, i) => {
    const w = initMemoryWeights(spec, seeds[i]);
    // BatchNorm statistics that are not the init's, to see them travel.
    if (w.runningVar) w.runningVar = w.runningVar.map((_, j) => 1 + j / 10);
    for (const [field, shape] of Object.entries(shapes)) {
      const data = w[field as keyof MemoryWeights];
      if (shape && data) tensors[`memory.${layer}.${field}`] = { shape, data };
    }
    return w;
  });
  return {
    bytes: writeSafetensors(tensors, {
      format: 'pkm-explorer-checkpoint/1',
      config: JSON.stringify(c),
      step: '7',
    }),
    memories,
  };
}

describe('memory files for "bring your own memory"', () => {
  test('a memory layer of a checkpoint round-trips through the XLM layout', async () => {
    const { bytes, memories } = checkpointBytes(config, [11, 12]);
    const second = memoryFromCheckpoint(bytes, 2);
    expect(second.layer).toBe(2);
    expect(Array.from(second.weights.keys)).toEqual(Array.from(memories[1].keys));
    const xlm = (await readMemoryFile(memoryBytes(second, 7))).module;
    expect(xlm.spec).toMatchObject({
      d_in: 16,
      heads: 2,
      n_keys: 8,
      k_dim: 8,
      knn: 4,
      query_norm: 'batchnorm',
    });
    for (const field of [
      'queryW',
      'queryB',
      'keys',
      'values',
      'normGamma',
      'normBeta',
      'runningMean',
      'runningVar',
    ] as const) {
      expect(Array.from(xlm.weights[field]!), field).toEqual(Array.from(memories[1][field]!));
    }
    // The first memory layer by default.
    expect(memoryFromCheckpoint(bytes).layer).toBe(0);
  });

  test('models whose memory cannot be exported are refused with the reason', () => {
    const { bytes } = checkpointBytes({ ...config, mem_layers: [] }, []);
    expect(() => memoryFromCheckpoint(bytes)).toThrow(/no memory layer/);
    const { bytes: two } = checkpointBytes(config, [1, 2]);
    expect(() => memoryFromCheckpoint(two, 1)).toThrow(/block 2 has no memory \(memory blocks: 1, 3\)/);
    const ln = checkpointBytes({ ...config, query_norm: 'layernorm' }, [1, 2]);
    expect(() => memoryBytes(memoryFromCheckpoint(ln.bytes), 0)).toThrow(/LayerNorm/);
    expect(() => memoryFromCheckpoint(writeSafetensors({}, { config: '{' }))).toThrow(FormatError);
  });

  test('random inputs are seeded, standard normal and [count, d_in]', () => {
    const a = randomInputs(500, 16, 3);
    const b = randomInputs(500, 16, 3);
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    const npy = readNpy(a.npy);
    expect(npy.shape).toEqual([500, 16]);
    const mean = a.data.reduce((s, v) => s + v, 0) / a.data.length;
    const variance = a.data.reduce((s, v) => s + (v - mean) ** 2, 0) / a.data.length;
    expect(Math.abs(mean)).toBeLessThan(0.05);
    expect(variance).toBeGreaterThan(0.9);
    expect(variance).toBeLessThan(1.1);
    const stacked = readNpy(stackedNpy([Float32Array.from([1, 2]), Float32Array.from([3, 4])]));
    expect(stacked.shape).toEqual([2, 2]);
    expect(Array.from(stacked.data)).toEqual([1, 2, 3, 4]);
    expect(() => stackedNpy([new Float32Array(2), new Float32Array(3)])).toThrow(
      /input 1 has 3 values, expected 2/,
    );
  });
});
