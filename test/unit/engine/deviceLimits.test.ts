import { describe, expect, it } from 'vitest';
import { checkDeviceLimits, largestBuffers } from '../../../src/engine/deviceLimits';
import { DEFAULT_CONFIG, type ModelConfig } from '../../../src/model/config';

/** WebGPU's default limits (what a device gets unless it asks for more). */
const DEFAULT_LIMITS = { maxStorageBufferBindingSize: 2 ** 27, maxBufferSize: 2 ** 28 };
const config = (patch: Partial<ModelConfig>): ModelConfig => ({ ...DEFAULT_CONFIG, ...patch });

describe('checkDeviceLimits', () => {
  it('lets the default model through on WebGPU’s default limits', () => {
    expect(checkDeviceLimits(config({}), DEFAULT_LIMITS)).toBeNull();
  });

  it('names the value table, its size, the limit and the largest n_keys and v_dim that fit', () => {
    // 1,048,576 slots × 128 floats = 512 MiB, over a 128 MiB binding limit.
    const paper = config({ n_keys: 1024, d_model: 128, v_dim: 0 });
    const problem = checkDeviceLimits(paper, DEFAULT_LIMITS)!;
    expect(problem.buffer.name).toMatch(/memory values/);
    expect(problem.buffer.bytes).toBe(1024 * 1024 * 128 * 4);
    expect(problem.limitName).toBe('maxStorageBufferBindingSize');
    expect(problem.limit).toBe(2 ** 27);
    // 512² × 128 × 4 = 128 MiB fits exactly; 513² does not.
    expect(problem.fits).toEqual({ n_keys: 512, v_dim: 32 });
    expect(checkDeviceLimits({ ...paper, n_keys: 512 }, DEFAULT_LIMITS)).toBeNull();
    expect(checkDeviceLimits({ ...paper, n_keys: 513 }, DEFAULT_LIMITS)).not.toBeNull();
    expect(problem.message).toMatch(/memory values of block \d+.*512\.0 MiB \(536,870,912 bytes\)/);
    expect(problem.message).toMatch(/maxStorageBufferBindingSize of 128\.0 MiB \(134,217,728 bytes\)/);
    expect(problem.message).toMatch(/n_keys 512 \(1024 now\) or v_dim 32 with mem_plus \(128 now\)/);
    expect(problem.message.length).toBeLessThan(400);
  });

  it('uses the smaller of the two limits and names it', () => {
    const lowered = { maxStorageBufferBindingSize: 2 ** 30, maxBufferSize: 2 ** 20 };
    const problem = checkDeviceLimits(config({ n_keys: 128 }), lowered)!;
    expect(problem.limitName).toBe('maxBufferSize');
    // 2^20 bytes hold 2^18 floats: at v_dim 64, 4,096 slots, n_keys 64.
    expect(problem.fits.n_keys).toBe(64);
    expect(checkDeviceLimits(config({ n_keys: problem.fits.n_keys! }), lowered)).toBeNull();
  });

  it('counts the flat keys’ score table, which grows with the tokens of a batch too', () => {
    const flat = config({ mem_keys: 'flat', n_keys: 256, knn: 32 });
    const names = largestBuffers(flat).map((b) => b.name);
    expect(names[0]).toMatch(/flat keys’ scores/);
    const problem = checkDeviceLimits(flat, DEFAULT_LIMITS)!;
    expect(problem.buffer.name).toMatch(/flat keys’ scores/);
    // n_keys must shrink until the scores fit; v_dim does not help.
    expect(problem.fits.v_dim).toBeNull();
    expect(checkDeviceLimits({ ...flat, n_keys: problem.fits.n_keys! }, DEFAULT_LIMITS)).toBeNull();
  });

  it('names a buffer that no memory setting shrinks, and what to lower instead', () => {
    const wide = config({ batch: 64, context: 256 });
    const tiny = { maxStorageBufferBindingSize: 2 ** 22, maxBufferSize: 2 ** 22 };
    const problem = checkDeviceLimits(wide, tiny)!;
    expect(problem.buffer.perSlot).toBeUndefined();
    expect(problem.message).toMatch(/Lower batch, context or d_model/);
  });
});
