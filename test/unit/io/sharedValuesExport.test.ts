import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeCheckpoint } from '../../../src/engine/checkpoint';
import { parseConfig } from '../../../src/model/config';
import { memoryFromCheckpoint } from '../../../src/model/io/checkpointMemory';
import { describeMemoryFile, exportLinguaModel, readMemoryFile } from '../../../src/model/io/layouts';
import { parseSafetensors, writeSafetensors } from '../../../src/model/io/safetensors';
import { createMemory } from '../../../src/model/memory/createMemory';
import { memorySpecFromConfig } from '../../../src/model/memory/spec';
import { createModel } from '../../../src/model/transformer';

beforeAll(async () => {
  await tf.setBackend('wasm');
  await tf.ready();
});

/** lingua's HashingMemory has product keys, ≥ 2 heads and no query norm. */
const config = parseConfig({
  d_model: 16,
  layers: 3,
  attn_heads: 2,
  context: 8,
  mem_layers: [0, 2],
  n_keys: 6,
  knn: 3,
  heads: 2,
  k_dim: 8,
  query_norm: 'none',
  mem_share_values: true,
  seed: 5,
});

async function outputOf(memory: { forward: ReturnType<typeof createMemory>['forward'] }, x: tf.Tensor2D) {
  const read = memory.forward(x, 'eval');
  const out = (await read.output.data()) as Float32Array;
  tf.dispose([read.output, read.slots, read.scores, read.weights]);
  return out;
}

describe('a model with a shared value pool, exported whole in the lingua layout', () => {
  it('writes values in the first memory only; the reader resolves the pool and gives each layer’s own output', async () => {
    const model = createModel(config);
    const weights = await model.readWeights();
    const spec = memorySpecFromConfig(config);
    const tensors = exportLinguaModel({
      spec,
      layers: config.mem_layers,
      weights: weights.memories,
      shareValues: true,
    });
    const names = Object.keys(tensors);
    expect(names.filter((n) => n.endsWith('values.weight'))).toEqual(['layers.0.feed_forward.values.weight']);
    expect(names).toContain('layers.2.feed_forward.keys');
    const bytes = writeSafetensors(tensors);
    const description = describeMemoryFile(bytes);
    expect(description.memories.map((m) => [m.prefix, m.layout])).toEqual([
      ['layers.0.feed_forward.', 'lingua'],
      ['layers.2.feed_forward.', 'lingua'],
    ]);
    expect(description.memories[1].notes.join(' ')).toMatch(/pool shared with 'layers\.0\.feed_forward\.'/);

    const x = tf.randomNormal([7, config.d_model], 0, 1, 'float32', 3) as tf.Tensor2D;
    for (const [i, layer] of config.mem_layers.entries()) {
      const imported = await readMemoryFile(bytes, {
        knn: config.knn,
        prefix: `layers.${layer}.feed_forward.`,
      });
      expect(imported.readout).toBeNull();
      expect(Array.from(imported.module.weights.values)).toEqual(Array.from(weights.memories[0].values));
      const rebuilt = createMemory(imported.module.spec, { weights: imported.module.weights });
      const [got, want] = [await outputOf(rebuilt, x), await outputOf(model.memories[i], x)];
      for (let j = 0; j < want.length; j++) expect(got[j]).toBeCloseTo(want[j], 5);
      rebuilt.dispose();
    }
    x.dispose();
    model.dispose();
  });

  it('one memory of the checkpoint (pkm export) reads the shared table from the first memory layer', async () => {
    const model = createModel(config);
    const weights = await model.readWeights();
    const bytes = encodeCheckpoint({
      config,
      weights,
      optimizer: null,
      valueOptimizers: null,
      step: 0,
      samplerState: null,
    });
    expect([...parseSafetensors(bytes).tensors.keys()]).not.toContain('memory.2.values');
    const memory = memoryFromCheckpoint(bytes, 2);
    expect(memory.layer).toBe(2);
    expect(Array.from(memory.weights.values)).toEqual(Array.from(weights.memories[0].values));
    expect(Array.from(memory.weights.keys)).toEqual(Array.from(weights.memories[1].keys));
    model.dispose();
  });
});
