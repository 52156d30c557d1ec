/**
 * Coverage of an imported memory module (XLM state_dict layout, safetensors) over given input
 * vectors (.npy [B, d_in]), without training: usage maps per head and total, XLM-evaluator
 * statistics and dead slots.
 */

import { readInputVectors } from '../model/io/inputVectors';
import { readXlmMemory } from '../model/io/xlmMemory';
import { createMemory } from '../model/memory/createMemory';
import { forwardChunks } from '../model/memory/forwardChunks';
import { SlotUsageAccumulator } from '../model/metrics/memoryMetrics';
import { UsageCounter } from '../model/metrics/usageCounter';
import { EngineError } from './errors';
import type { CoverageReport, UsageMap } from './protocol';

/** Rows read per forward: fixed shape, so one set of shaders whatever B is. */
const CHUNK = 512;

export interface CoverageRequest {
  memory: Uint8Array;
  inputs: Uint8Array;
  name?: string;
  knn?: number;
  prefix?: string;
}

export async function memoryCoverage(request: CoverageRequest, signal: AbortSignal): Promise<CoverageReport> {
  const start = performance.now();
  const name = request.name ?? 'imported memory';
  const { spec, weights } = readXlmMemory(request.memory, { knn: request.knn, prefix: request.prefix });
  const { inputs, count } = readInputVectors(request.inputs, spec.d_in);
  const slots = spec.n_keys * spec.n_keys;
  const layout = { slots, heads: spec.heads, knn: spec.knn };
  const stats = new SlotUsageAccumulator(layout);
  const counts = new UsageCounter({ ...layout, rate: 1 });
  const mass = new UsageCounter({ ...layout, rate: 1 });
  const memory = createMemory(spec, { weights });
  try {
    for await (const chunk of forwardChunks(memory, inputs, count, CHUNK)) {
      if (signal.aborted) throw new EngineError('cancelled', 'the memory import was cancelled');
      stats.add(chunk.slots, chunk.weights);
      counts.add(chunk.slots);
      mass.add(chunk.slots, chunk.weights);
    }
  } finally {
    memory.dispose();
  }
  const countMap = counts.snapshot() as UsageMap;
  const perHead = countMap.perHead.map((head) => head.reduce((dead, c) => dead + (c === 0 ? 1 : 0), 0));
  const deadSlots: number[] = [];
  countMap.total.forEach((c, s) => {
    if (c === 0) deadSlots.push(s);
  });
  return {
    name,
    spec,
    inputs: count,
    metrics: stats.metrics(),
    counts: countMap,
    weights: mass.snapshot() as UsageMap,
    dead: { perHead, total: deadSlots.length, slots: Int32Array.from(deadSlots) },
    ms: performance.now() - start,
  };
}
