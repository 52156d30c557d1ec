import { beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../../src/model/config';
import { useConfigStore } from '../../../src/state/configStore';
import { hashForState, readHash } from '../../../src/state/hashSync';

describe('hash and page', () => {
  beforeEach(() => {
    useConfigStore.getState().loadHash('');
  });

  it('reads the page and the config; reports a bad page and a bad value, keeping defaults', () => {
    expect(readHash('#page=lab&n_keys=16&knn=4')).toBe('lab');
    expect(useConfigStore.getState().config).toMatchObject({ n_keys: 16, knn: 4 });
    expect(useConfigStore.getState().problems).toEqual([]);
    expect(readHash('#page=nowhere&knn=999')).toBe('notebook');
    const problems = useConfigStore.getState().problems;
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^knn must be/);
    expect(problems[1]).toBe('Unknown page "nowhere" in the link; showing the notebook.');
    expect(useConfigStore.getState().config.knn).toBe(DEFAULT_CONFIG.knn);
  });

  it('writes the page and every field, and reads back the same state', () => {
    readHash('#page=lab&heads=4&query_norm=none');
    const hash = hashForState('lab');
    expect(hash.startsWith('#page=lab&d_model=64&')).toBe(true);
    useConfigStore.getState().loadHash('');
    expect(readHash(hash)).toBe('lab');
    expect(useConfigStore.getState().config).toMatchObject({ heads: 4, query_norm: 'none' });
  });
});
