/**
 * Coverage of an imported memory module (XLM state_dict layout, safetensors) over given input
 * vectors (.npy [B, d_in]), without training: usage maps per head and total, XLM-evaluator
 * statistics and dead slots.
 */
import { forwardChunks } from '../cli/forwardChunks';
import { FormatError } from '../model/io/errors';
import { readNpy } from '../model/io/npy';
import { readXlmMemory } from '../model/io/xlmMemory';
import { createMemory } from '../model/memory/createMemory';
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
  const array = readNpy(request.inputs);
  const shape = array.shape.length === 1 ? [1, array.shape[0]] : array.shape;
  if (shape.length !== 2) {
    throw new FormatError(`inputs must be a 2-D array [B, d_in] (got shape (${array.shape.join(', ')}))`);
  }
  const [count, width] = shape;
  if (width !== spec.d_in) {
    throw new FormatError(`the inputs have width ${width} but the memory's d_in is ${spec.d_in}`);
  }
  if (count === 0) throw new FormatError('the inputs hold no vectors (B = 0)');
  const slots = spec.n_keys * spec.n_keys;
  const layout = { slots, heads: spec.heads, knn: spec.knn };
  const stats = new SlotUsageAccumulator(layout);
  const counts = new UsageCounter({ ...layout, rate: 1 });
  const mass = new UsageCounter({ ...layout, rate: 1 });
  const memory = createMemory(spec, { weights });
  try {
    for await (const chunk of forwardChunks(memory, array.data, count, CHUNK)) {
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
