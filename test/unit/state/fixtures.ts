import type { EvalReport, LayerUsage, Snapshot, TokenTrace } from '../../../src/engine/protocol';
import { memoryMetrics } from '../../../src/model/metrics/memoryMetrics';

/** A protocol snapshot with the given fields (the rest as the engine sends them between events). */
export function snapshot(fields: Partial<Snapshot>): Snapshot {
  return {
    seq: 1,
    state: 'running',
    step: 0,
    lossStart: 1,
    losses: new Float32Array(0),
    lr: 0.001,
    gradNorm: 1,
    eval: null,
    recall: [],
    tokensPerSec: 0,
    stepsPerSec: 0,
    stepMs: 0,
    trace: null,
    usage: null,
    tfMemory: { numTensors: 10, numBytes: 100, numDataBuffers: 10, unreliable: false },
    backend: 'wasm',
    time: 0,
    ...fields,
  };
}

/** A validation report whose memory metrics are computed from the given reads (2 heads, k = 2, 16 slots). */
export function evalReport(step: number, loss: number, slots: number[]): EvalReport {
  const weights = slots.map(() => 0.5);
  return {
    step,
    loss,
    perplexity: Math.exp(loss),
    bitsPerByte: loss / Math.LN2,
    tokens: slots.length / 4,
    memories: [{ layer: 1, metrics: memoryMetrics(slots, weights, { slots: 16, heads: 2, knn: 2 }) }],
    ms: 1,
  };
}

export function usage(layer: number, counts: number[]): LayerUsage {
  const total = Float32Array.from(counts);
  const map = { perHead: [total], total, max: Math.max(...counts) };
  return { layer, heads: 1, slots: counts.length, counts: map, weights: map, tokens: 10, halfLife: 0 };
}

export function trace(text: string, position: number): TokenTrace {
  return { text, position, layer: 1, token: 0, windowStart: 0, step: 1, predictions: [], layers: [] };
}
