import { afterEach, describe, expect, it } from 'vitest';
import { writeMemoryFile } from '../../../src/model/io/layouts';
import { writeNpy } from '../../../src/model/io/npy';
import type { MemorySpec } from '../../../src/model/memory/types';
import { initMemoryWeights } from '../../../src/model/memory/weights';
import { createRng } from '../../../src/model/random';
import { type TestSession, tinySession } from './harness';

let t: TestSession | null = null;
afterEach(async () => {
  await t?.session.dispose();
  t = null;
});

const SPEC: MemorySpec = {
  d_in: 16,
  heads: 2,
  n_keys: 512,
  k_dim: 8,
  v_dim: 16,
  knn: 4,
  query_norm: 'none',
  mem_keys: 'product',
  mem_plus: false,
  d_out: 16,
};

function inputs(count: number): Uint8Array {
  const rng = createRng(2);
  return writeNpy(
    Float32Array.from({ length: count * 16 }, () => rng.normal()),
    [count, 16],
  );
}

describe('importMemory beside training', () => {
  it('is cancelled while it decodes (a 16 MB value table), and the engine goes on', async () => {
    t = await tinySession();
    const memory = writeMemoryFile('xlm', SPEC, initMemoryWeights(SPEC, 1));
    const reply = t.send({ type: 'importMemory', memory, inputs: inputs(8) });
    await t.ok({ type: 'cancel' });
    const result = await reply;
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.kind).toBe('cancelled');
    const ok = await t.ok({ type: 'importMemory', memory, inputs: inputs(8) });
    expect(ok.inputs).toBe(8);
  });

  it('training steps go on between its chunks', async () => {
    t = await tinySession();
    const memory = writeMemoryFile('xlm', SPEC, initMemoryWeights(SPEC, 1));
    await t.ok({ type: 'start' });
    const stepOf = async () => (await t!.ok({ type: 'status' })).step;
    await t.until(() => t!.events.some((e) => e.type === 'snapshot'), 60_000);
    const before = await stepOf();
    const report = await t.ok({ type: 'importMemory', memory, inputs: inputs(8192) });
    const after = await stepOf();
    expect(report.inputs).toBe(8192);
    // 16 chunks of 512 rows, each under the engine lock on its own: steps ran between them (with the
    // whole import under the lock, at most the one step in flight would).
    expect(after - before).toBeGreaterThanOrEqual(3);
    await t.ok({ type: 'pause' });
  });
});
