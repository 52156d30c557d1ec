import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  captured,
  capturedHistory,
  capturedSlotContexts,
  capturedTrace,
  capturedTraces,
  decodeCapturedBinary,
} from '../../fixtures/captured';

const bin = decodeCapturedBinary(
  new Uint8Array(readFileSync(new URL('../../fixtures/data/captured/usage.bin', import.meta.url))),
);

describe('the captured fixture set', () => {
  it('decodes the traces, usage, reads and history of one real run', () => {
    const { config } = captured;
    const trace = capturedTrace();
    expect(trace.n_keys).toBe(config.n_keys);
    expect(trace.heads).toHaveLength(config.heads);
    expect(capturedTraces()[0].position).toBe(captured.defaultPosition);
    const { usage } = bin;
    expect(usage.series.map((s) => s.label)).toEqual(['Head 1', 'Head 2', 'All heads']);
    expect(usage.series[0].counts).toHaveLength(config.n_keys ** 2);
    const headSum = Array.from(usage.series[0].counts).reduce((a, b) => a + b, 0);
    expect(headSum).toBe(usage.tokens * config.knn);
    const { reads } = bin;
    expect(reads.read).toBe(reads.bytes.length);
    const busiest = reads.slots[0];
    expect(capturedSlotContexts(bin, busiest).count).toBeGreaterThan(0);
    const { run, coverage } = capturedHistory();
    expect(run.train!.loss.length).toBe(captured.steps);
    expect(coverage.at(-1)!.step).toBe(captured.steps);
  });
});
