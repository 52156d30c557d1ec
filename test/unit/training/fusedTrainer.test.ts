import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { createBatchSampler, knowledgeTextCorpus } from '../../../src/model/corpus/dataset';
import { type FusedOp, withKernelMode } from '../../../src/model/ops/kernelMode';
import { createTrainer } from '../../../src/model/training/trainer';
import { trainFor } from '../../../src/model/training/trainFor';
import { createModel } from '../../../src/model/transformer';
import { tinyConfig } from '../model/tinyConfig';

const corpus = knowledgeTextCorpus({ seed: 4, entities: 12, repeats: 3 });

/** Trains a fresh memory model for `steps` in `mode`; returns the losses and the final weights. */
async function trainIn(
  mode: 'fused' | 'reference',
  clip: number,
  steps: number,
  referenceOps: readonly FusedOp[] = [],
) {
  return withKernelMode(
    mode,
    async () => {
      const config = tinyConfig({ mem_layers: [1], n_keys: 16, knn: 4, heads: 2, k_dim: 8, clip });
      const model = createModel(config);
      const trainer = createTrainer(model, config);
      const sampler = createBatchSampler(corpus.train, config.batch, config.context, 9);
      const losses: number[] = [];
      const norms: number[] = [];
      await trainFor(trainer, sampler, steps, (r) => {
        losses.push(r.loss);
        norms.push(r.gradNorm);
      });
      const state = {
        losses,
        norms,
        weights: await model.readWeights(),
        adam: await trainer.readOptimizerState(),
      };
      trainer.dispose();
      model.dispose();
      return state;
    },
    { referenceOps },
  );
}

describe('training with the fused dense Adam', () => {
  // cpu and wasm run the reference's float32 operations in its order: the runs are identical,
  // which also shows that every forward sees the weights updated in place (wasm's MatMul caches
  // packed weights by tensor id). The selection, the value read, LayerNorm, the memory's
  // BatchNorm, GELU, the attention core and the cross-entropy loss stay on their references in
  // both runs here: their fused kernels sum or round in another order (checked to tolerance
  // below). So does the gradient norm on wasm, whose SIMD kernel sums in float64; on cpu it sums
  // in the reference's order and precision, so it stays fused there.
  it.each([
    ['wasm', 0.05],
    ['wasm', 0],
    ['cpu', 0.05],
  ])('on %s with clip %s gives exactly the reference run', async (backend, clip) => {
    await tf.setBackend(backend as string);
    await tf.ready();
    const steps = 8;
    const fused = await trainIn('fused', clip as number, steps, [
      'productSelect',
      'valueRead',
      'layerNorm',
      'gelu',
      'attention',
      'crossEntropy',
      'batchNorm',
      ...(backend === 'wasm' ? (['gradNorm'] as const) : []),
    ]);
    const reference = await trainIn('reference', clip as number, steps);
    if ((clip as number) > 0) expect(reference.norms.some((n) => n > (clip as number))).toBe(true);
    expect(fused.losses).toHaveLength(steps);
    expect(fused).toEqual(reference);
  });

  it('with every op fused (selection too) follows the reference run to float32 rounding', async () => {
    await tf.setBackend('wasm');
    await tf.ready();
    const steps = 8;
    const fused = await trainIn('fused', 0.05, steps);
    const reference = await trainIn('reference', 0.05, steps);
    expect(fused.losses).toHaveLength(steps);
    fused.losses.forEach((loss, i) => {
      expect(Math.abs(loss - reference.losses[i]), `step ${i + 1}`).toBeLessThan(1e-4 * reference.losses[i]);
    });
  });
});
