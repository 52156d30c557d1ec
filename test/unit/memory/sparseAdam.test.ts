import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { createMemory } from '../../../src/model/memory/createMemory';
import { SlotSegmenter } from '../../../src/model/memory/sparse/slotSegments';
import { makeSpec, useBackend } from './helpers';
import { checkSparseSteps } from './sparseCheck';

describe('sparse Adam on the value rows', () => {
  it('cpu: in place in the backend TypedArray, untouched rows bit-identical, touched rows match Adam', async () => {
    await useBackend('cpu');
    await checkSparseSteps('cpu');
  });

  it('wasm: in place in the wasm heap, untouched rows bit-identical, touched rows match Adam', async () => {
    await useBackend('wasm');
    await checkSparseSteps('wasm');
  });

  it.each(['wasm', 'cpu'] as const)(
    'generic tensorScatterUpdate path on %s gives the same results',
    async (backend) => {
      await useBackend(backend);
      await checkSparseSteps('generic', { valueUpdate: 'generic' });
    },
  );

  it('groups slot ids by slot in O(ids) and resets its marker between steps', () => {
    const segmenter = new SlotSegmenter(10);
    const s = segmenter.segment(Int32Array.from([7, 2, 7, 7, 0, 2]));
    expect(Array.from(s.rows)).toEqual([7, 2, 0]);
    expect(Array.from(s.offsets)).toEqual([0, 3, 5, 6]);
    expect(Array.from(s.occurrences)).toEqual([0, 2, 3, 1, 5, 4]);
    expect(Array.from(s.segmentOf)).toEqual([0, 1, 0, 0, 2, 1]);
    const again = segmenter.segment(Int32Array.from([2, 9]));
    expect(Array.from(again.rows)).toEqual([2, 9]);
    expect(() => segmenter.segment(Int32Array.from([3, 10]))).toThrow(/slot id 10/);
    expect(Array.from(segmenter.segment(Int32Array.from([3])).rows)).toEqual([3]);
  });

  it('refuses an update without a train forward, twice for one forward, or with a wrong gradient', async () => {
    await useBackend('wasm');
    const spec = makeSpec();
    const mod = createMemory(spec, { seed: 1 });
    const x = tf.randomNormal([4, spec.d_in]) as tf.Tensor2D;
    const wrong = tf.zeros([4, spec.heads, spec.knn, spec.v_dim + 1]);
    await expect(mod.applyValueGradients([wrong], 0.1)).rejects.toThrow(/forward\(x, "train"\)/);
    expect(() => mod.valueGradientVariables()).toThrow(/not known yet/);
    const read = mod.forward(x, 'train');
    await expect(mod.applyValueGradients([wrong], 0.1)).rejects.toThrow(/does not match/);
    await expect(mod.applyValueGradients([], 0.1)).rejects.toThrow(/one tensor/);
    const good = tf.zeros([4, spec.heads, spec.knn, spec.v_dim]);
    await expect(mod.applyValueGradients([good], Number.NaN)).rejects.toThrow(/lr must be/);
    await mod.applyValueGradients([good], 0.1);
    await expect(mod.applyValueGradients([good], 0.1)).rejects.toThrow(/once per update/);
    tf.dispose([x, wrong, good, read.output, read.slots, read.scores, read.weights]);
    mod.dispose();
  });
});
