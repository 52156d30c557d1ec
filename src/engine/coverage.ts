/**
 * Coverage of an imported memory module (safetensors in the XLM, lucidrains or lingua layout) over
 * given input vectors (.npy [B, d_in]), without training: usage maps per head and total,
 * XLM-evaluator statistics and dead slots. Decoding runs in slices that yield and stop on cancel;
 * the tfjs work runs chunk by chunk under the caller's lock, so training goes on between chunks.
 */

import { MismatchError, ReadCancelledError } from '../model/io/errors';
import { readInputVectorsAsync } from '../model/io/inputVectors';
import { importMemory } from '../model/io/layouts';
import { readImportedMemory } from '../model/io/layouts/reads';
import { parseSafetensors } from '../model/io/safetensors';
import { SlotUsageAccumulator } from '../model/metrics/memoryMetrics';
import { UsageCounter } from '../model/metrics/usageCounter';
import { EngineError } from './errors';
import type { EngineCommands } from './protocol/commands';
import type { CoverageReport } from './protocol/model';
import type { UsageMap } from './protocol/snapshot';

/** Rows read per forward: fixed shape, so one set of shaders whatever B is. */
const CHUNK = 512;

/** The importMemory command's arguments (protocol/commands.ts). */
export type CoverageRequest = EngineCommands['importMemory']['args'];

type Exclusive = <T>(section: () => Promise<T>) => Promise<T>;

export async function memoryCoverage(
  request: CoverageRequest,
  signal: AbortSignal,
  exclusive: Exclusive = (section) => section(),
): Promise<CoverageReport> {
  try {
    return await coverage(request, signal, exclusive);
  } catch (err) {
    if (err instanceof ReadCancelledError || signal.aborted) {
      throw new EngineError('cancelled', 'the memory import was cancelled');
    }
    // Files that fit neither each other nor k: not "could not be read".
    if (err instanceof MismatchError) throw new EngineError('bad-command', err.message);
    throw err;
  }
}

async function coverage(
  request: CoverageRequest,
  signal: AbortSignal,
  exclusive: Exclusive,
): Promise<CoverageReport> {
  const start = performance.now();
  const name = request.name ?? 'imported memory';
  const memory = await importMemory(parseSafetensors(request.memory), {
    knn: request.knn,
    prefix: request.prefix,
    layout: request.layout,
    gates: request.gates,
    signal,
  });
  const { spec } = memory;
  const { inputs, count } = await readInputVectorsAsync(request.inputs, spec.d_in, signal);
  const slots = spec.n_keys * spec.n_keys;
  const layout = { slots, heads: spec.heads, knn: spec.knn };
  const stats = new SlotUsageAccumulator(layout);
  const counts = new UsageCounter({ ...layout, rate: 1 });
  const mass = new UsageCounter({ ...layout, rate: 1 });
  for await (const chunk of readImportedMemory(memory, inputs, count, { chunk: CHUNK, signal, exclusive })) {
    stats.add(chunk.slots, chunk.weights);
    counts.add(chunk.slots);
    mass.add(chunk.slots, chunk.weights);
  }
  const countMap = counts.snapshot() as UsageMap;
  const perHead = countMap.perHead.map((head) => head.reduce((dead, c) => dead + (c === 0 ? 1 : 0), 0));
  const deadSlots: number[] = [];
  countMap.total.forEach((c, s) => {
    if (c === 0) deadSlots.push(s);
  });
  return {
    name,
    layout: memory.layout,
    prefix: memory.prefix,
    notes: memory.notes,
    spec,
    inputs: count,
    metrics: stats.metrics(),
    counts: countMap,
    weights: mass.snapshot() as UsageMap,
    dead: { perHead, total: deadSlots.length, slots: Int32Array.from(deadSlots) },
    ms: performance.now() - start,
  };
}
