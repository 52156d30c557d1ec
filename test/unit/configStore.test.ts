import { beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/model/config';
import { currentHash, useConfigStore } from '../../src/state/configStore';

describe('config store', () => {
  beforeEach(() => {
    useConfigStore.getState().loadHash('');
  });

  it('applies a valid change and refuses an invalid one, keeping the last good config', () => {
    expect(useConfigStore.getState().update({ n_keys: 64, knn: 16 })).toEqual([]);
    expect(useConfigStore.getState().config).toMatchObject({ n_keys: 64, knn: 16 });
    const errors = useConfigStore.getState().update({ knn: 100 });
    expect(errors).toEqual(['knn must be an integer from 1 to 64 (got 100)']);
    expect(useConfigStore.getState().config.knn).toBe(16);
    expect(useConfigStore.getState().problems).toEqual(errors);
  });

  it('round-trips through the hash with app keys', () => {
    useConfigStore.getState().update({ heads: 4, query_norm: 'none' });
    const hash = currentHash({ page: 'lab' });
    useConfigStore.getState().loadHash('');
    expect(useConfigStore.getState().config).toEqual(DEFAULT_CONFIG);
    const extras = useConfigStore.getState().loadHash(hash, ['page']);
    expect(extras).toEqual({ page: 'lab' });
    expect(useConfigStore.getState().config).toMatchObject({ heads: 4, query_norm: 'none' });
  });
});
