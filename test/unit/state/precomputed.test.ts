import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  decodePrecomputedBinary,
  matchesPrecomputed,
  precomputedLossRun,
  precomputedRun,
  precomputedRunData,
} from '../../../src/app/precomputed/precomputed';
import { DEFAULT_CONFIG } from '../../../src/model/config';
import { lossSeries } from '../../../src/state/lossHistory';
import { slotContexts } from '../../../src/state/slotContexts';

const binary = decodePrecomputedBinary(
  new Uint8Array(
    readFileSync(new URL('../../../src/app/precomputed/defaultRun.safetensors', import.meta.url)),
  ),
);

describe('the precomputed default run shipped with the app', () => {
  it('is the default model, trained: every step’s loss, validations with coverage, a trace', () => {
    expect(matchesPrecomputed(DEFAULT_CONFIG)).toBe(true);
    expect(matchesPrecomputed({ ...DEFAULT_CONFIG, backend: 'wasm' })).toBe(true);
    expect(matchesPrecomputed({ ...DEFAULT_CONFIG, n_keys: 64 })).toBe(false);
    const data = precomputedRunData();
    expect(data.source).toBe('precomputed');
    expect(data.step).toBe(precomputedRun.steps);
    const { steps, loss } = lossSeries(data.losses);
    expect(steps.length).toBe(precomputedRun.steps);
    expect(loss[loss.length - 1]).toBeLessThan(loss[0] / 2);
    expect(data.val.length).toBe(precomputedRun.evals.length);
    // Recall at first paint: the file's recall history, or (a file made before it) the last validation's.
    expect(data.recall.length).toBeGreaterThan(0);
    expect(data.recall.at(-1)!.step).toBe(precomputedRun.steps);
    for (const r of data.recall) expect(r.accuracy).toBeGreaterThanOrEqual(0);
    expect(data.coverage[0].layer).toBe(DEFAULT_CONFIG.mem_layers[0]);
    expect(data.coverage[0].perHead).toHaveLength(DEFAULT_CONFIG.heads);
    const trace = data.trace!.layers[0].trace;
    expect(trace.heads).toHaveLength(DEFAULT_CONFIG.heads);
    expect(trace.heads[0].queryNormed).toBeInstanceOf(Float32Array);
    expect(trace.heads[0].slots).toBeInstanceOf(Int32Array);
    expect(trace.heads[0].candidates).toHaveLength(DEFAULT_CONFIG.knn ** 2);
    // The slots read are the pairs of the two halves' top-k sub-keys.
    const h = trace.heads[0];
    for (let r = 0; r < h.slots.length; r++) {
      expect(h.slots[r]).toBe(h.rows[r] * DEFAULT_CONFIG.n_keys + h.cols[r]);
      expect(Array.from(h.subTop![0].indices)).toContain(h.rows[r]);
    }
    expect(precomputedLossRun().train!.loss.length).toBe(precomputedRun.steps);
    // Each head carries its selected value rows; weighted and summed over heads they are the output.
    const vDim = DEFAULT_CONFIG.d_model;
    const sum = new Float64Array(vDim);
    for (const head of trace.heads) {
      expect(head.values).toBeInstanceOf(Float32Array);
      expect(head.values).toHaveLength(DEFAULT_CONFIG.knn * vDim);
      head.weights.forEach((w, m) => {
        for (let d = 0; d < vDim; d++) sum[d] += w * head.values[m * vDim + d];
      });
    }
    sum.forEach((v, d) => {
      expect(trace.output[d]).toBeCloseTo(v, 3);
    });
  });

  it('has usage maps of every training read and the reads of the inspection text', () => {
    const [u] = binary.usage;
    const { heads, n_keys, knn } = DEFAULT_CONFIG;
    expect(u.slots).toBe(n_keys * n_keys);
    // Each token selects k slots per head: the counts of a head add up to tokens · k.
    for (let h = 0; h < heads; h++) {
      const sum = u.counts.perHead[h].reduce((a, b) => a + b, 0);
      expect(sum).toBe(u.tokens * knn);
    }
    expect(u.tokens).toBe(precomputedRun.steps * DEFAULT_CONFIG.batch * DEFAULT_CONFIG.context);
    const reads = binary.reads.get(u.layer)!;
    expect(reads.read).toBe(new TextEncoder().encode(precomputedRun.inspectionText).length);
    // Softmax weights of each token and head add up to 1.
    for (let i = 0; i < reads.read * heads; i += 97) {
      const w = reads.weights.subarray(i * knn, (i + 1) * knn).reduce((a, b) => a + b, 0);
      expect(w).toBeCloseTo(1, 4);
    }
    // The slot the default token reads most has contexts in the inspection text.
    const top = precomputedRun.trace.layers[0].trace.heads[0].slots[0];
    expect(slotContexts(reads, top).count).toBeGreaterThanOrEqual(0);
  });
});
