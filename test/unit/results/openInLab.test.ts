/**
 * "Open in lab" carries an arm's whole config into the lab and its URL: the capacity arms differ
 * from the defaults in ffn_mult, mem_layers (none), n_keys and, at quick scale, the model's size.
 */
import { beforeEach, describe, expect, test } from 'vitest';
import { labConfigFor } from '../../../src/app/results/openInLab';
import { DEFAULT_CONFIG } from '../../../src/model/config';
import { getExperiment } from '../../../src/model/experiments/definitions';
import { armConfigs, resolveScale } from '../../../src/model/experiments/runner';
import { useConfigStore } from '../../../src/state/configStore';
import { configFromHash, configToHash } from '../../../src/state/urlConfig';

const def = getExperiment('capacity');

beforeEach(() => useConfigStore.getState().loadHash(''));

describe('capacity arms in the lab', () => {
  for (const scale of ['full', 'quick'] as const) {
    test(`${scale}: every arm's config survives the store and the URL hash unchanged`, () => {
      useConfigStore.getState().update({ backend: 'wasm' });
      for (const { label, config } of armConfigs(def, resolveScale(def, scale), 1)) {
        const lab = labConfigFor(config);
        expect(lab, label).toEqual({ ...config, backend: 'wasm' });
        expect(useConfigStore.getState().update(lab), label).toEqual([]);
        expect(useConfigStore.getState().config, label).toEqual(lab);
        const hash = configToHash(useConfigStore.getState().config);
        expect(hash).toContain(`ffn_mult=${config.ffn_mult}`);
        expect(hash).toContain(`mem_layers=${config.mem_layers.join(',')}&`);
        const back = configFromHash(hash);
        expect(back.problems, label).toEqual([]);
        expect(back.config, label).toEqual(lab);
      }
    });
  }

  test('the experiment’s own settings differ from the defaults, so the round trip is not vacuous', () => {
    const [noMemory, small] = armConfigs(def, resolveScale(def, 'full'), 1);
    expect(noMemory.config.ffn_mult).toBe(1);
    expect(noMemory.config.mem_layers).toEqual([]);
    expect(DEFAULT_CONFIG.mem_layers).not.toEqual([]);
    expect(small.config.n_keys).toBe(16);
    expect(small.config.n_keys).not.toBe(DEFAULT_CONFIG.n_keys);
  });
});
