import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type ModelConfig } from '../../src/model/config';
import { configFromHash, configToHash } from '../../src/state/urlConfig';

describe('config in the URL hash', () => {
  it('round-trips every field', () => {
    const config: ModelConfig = {
      ...DEFAULT_CONFIG,
      n_keys: 64,
      knn: 16,
      heads: 4,
      mem_layers: [1, 3],
      query_norm: 'layernorm',
      lr: 0.0025,
      mem_plus: true,
      backend: 'wasm',
    };
    const hash = configToHash(config, { page: 'lab' });
    expect(hash).toContain('mem_layers=1,3');
    expect(hash.startsWith('#page=lab&')).toBe(true);
    const back = configFromHash(hash, ['page']);
    expect(back).toEqual({ config, problems: [], extras: { page: 'lab' } });
  });

  it('accepts the keys named in the issue', () => {
    const hash =
      '#n_keys=16&knn=4&heads=1&k_dim=16&d_model=32&layers=2&mem_layers=1&query_norm=none&batch=8&context=16&lr=0.001&seed=7&backend=cpu&corpus=knowledge';
    const { config, problems } = configFromHash(hash);
    expect(problems).toEqual([]);
    expect(config).toMatchObject({
      n_keys: 16,
      knn: 4,
      heads: 1,
      d_model: 32,
      layers: 2,
      mem_layers: [1],
      seed: 7,
    });
  });

  it('reports a bad value and keeps the default for it only', () => {
    const { config, problems } = configFromHash('#n_keys=banana&heads=4&lr=-1');
    expect(config.n_keys).toBe(DEFAULT_CONFIG.n_keys);
    expect(config.lr).toBe(DEFAULT_CONFIG.lr);
    expect(config.heads).toBe(4);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(
      /^n_keys must be an integer from 2 to 1024 \(got null\); using the default 128\.$/,
    );
  });

  it('drops a value that does not fit the others', () => {
    const { config, problems } = configFromHash('#n_keys=4&knn=32');
    expect(problems).toEqual([
      'knn must be from 1 to 4 = min(n_keys, 64) (got 32); using the default 8.',
      'n_keys=4 does not fit the other settings; using the default 128.',
    ]);
    expect(config).toEqual(DEFAULT_CONFIG);
  });

  it('reports unknown keys and survives garbage', () => {
    const { config, problems } = configFromHash('#%%%&=&zzz=1&mem_layers=a,b');
    expect(config.mem_layers).toEqual(DEFAULT_CONFIG.mem_layers);
    expect(problems.some((p) => p.includes('"zzz"'))).toBe(true);
  });
});

describe('hostile links', () => {
  it('100,000 unknown keys: a few named, the rest counted, in one short problem', () => {
    const hash = `#${Array.from({ length: 100_000 }, (_, i) => `key${i}=1`).join('&')}&heads=4`;
    const started = performance.now();
    const { config, problems } = configFromHash(hash);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(config.heads).toBe(4);
    expect(problems).toEqual([
      '100,000 unknown settings in the link were ignored: "key0", "key1", "key2", "key3", "key4" and 99,995 more.',
    ]);
  });

  it('a megabyte-long value or key is never echoed whole', () => {
    const long = 'x'.repeat(1_000_000);
    const { problems } = configFromHash(`#query_norm=${long}&${long}=1`);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toBe(
      'The value of query_norm in the link is 1,000,000 characters long and was ignored.',
    );
    expect(problems[1]).toMatch(/^Unknown setting "x{39}…" in the link was ignored\.$/);
    for (const p of problems) expect(p.length).toBeLessThan(300);
  });
});
