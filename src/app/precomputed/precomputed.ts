/**
 * The precomputed run of the default config, shipped with the app so the notebook paints real
 * figures at once. The JSON is bundled; the binary (usage maps, inspection reads) and the traces of
 * every default-text byte are fetched as soon as this module loads.
 */
import type { LossRun } from '../../components/LossChart';
import type { LayerUsage, TokenTrace } from '../../engine/protocol';
import { CONFIG_FIELDS, DEFAULT_CONFIG, type ModelConfig } from '../../model/config';
import { parseSafetensors, tensorFloat32 } from '../../model/io/safetensors';
import { addRecall, applyEval, applySnapshot, emptyRunData, type RunData } from '../../state/runData';
import type { TextReads } from '../../state/slotContexts';
import { usageMap } from '../checkpointHistory';
import runJson from './defaultRun.json';
import binaryUrl from './defaultRun.safetensors?url';
import { binaryNames, type PrecomputedRunJson, type PrecomputedTracesJson, untagArrays } from './format';

const run = runJson as unknown as PrecomputedRunJson;

export const precomputedRun = {
  config: run.config,
  steps: run.steps,
  trace: untagArrays<TokenTrace>(run.trace),
  inspectionText: run.inspection.text,
  made: run.made,
  evals: run.evals,
};

/**
 * Whether a config builds the model the precomputed run trained (the backend choice aside). A field
 * newer than the run (absent from its JSON) had its default then.
 */
export function matchesPrecomputed(config: ModelConfig): boolean {
  return CONFIG_FIELDS.every(
    (f) =>
      f === 'backend' || JSON.stringify(config[f]) === JSON.stringify(run.config[f] ?? DEFAULT_CONFIG[f]),
  );
}

/** The precomputed run as figure data: every loss, validation and recall, the default token's trace. */
export function precomputedRunData(): RunData {
  let data = applySnapshot(
    emptyRunData('precomputed'),
    {
      seq: 1,
      state: 'paused',
      step: run.steps,
      lossStart: 1,
      losses: Float32Array.from(run.losses),
      lr: run.lr,
      gradNorm: run.gradNorm,
      eval: null,
      recall: [],
      tokensPerSec: 0,
      stepsPerSec: 0,
      stepMs: 0,
      trace: precomputedRun.trace,
      usage: null,
      tfMemory: { numTensors: 0, numBytes: 0, numDataBuffers: 0, unreliable: false },
      backend: 'wasm',
      time: 0,
    },
    'precomputed',
  );
  for (const report of run.evals) data = applyEval(data, report);
  return { ...data, recall: addRecall(data.recall, run.recall ?? []), state: null };
}

/** The precomputed loss curves as a reference run for the loss chart. */
export function precomputedLossRun(): LossRun {
  return {
    name: `precomputed (${run.steps} steps)`,
    train: { steps: Float64Array.from(run.losses, (_, i) => i + 1), loss: Float32Array.from(run.losses) },
    val: {
      steps: Float64Array.from(run.evals, (e) => e.step),
      loss: Float32Array.from(run.evals, (e) => e.loss),
    },
  };
}

export interface PrecomputedBinary {
  usage: LayerUsage[];
  /** Per memory layer: the reads of every byte of the inspection text. */
  reads: Map<number, TextReads>;
}

/** Decodes the binary (exported for tests, which read the file from disk). */
export function decodePrecomputedBinary(bytes: Uint8Array): PrecomputedBinary {
  const file = parseSafetensors(bytes);
  const usage: LayerUsage[] = [];
  const reads = new Map<number, TextReads>();
  const textBytes = new TextEncoder().encode(run.inspection.text);
  for (const u of run.usage) {
    usage.push({
      layer: u.layer,
      heads: u.heads,
      slots: u.slots,
      counts: usageMap(tensorFloat32(file, binaryNames.usageCounts(u.layer)).data, u.heads, u.slots),
      weights: usageMap(tensorFloat32(file, binaryNames.usageWeights(u.layer)).data, u.heads, u.slots),
      tokens: u.tokens,
      halfLife: 0,
    });
    const slots = tensorFloat32(file, binaryNames.readSlots(u.layer));
    reads.set(u.layer, {
      text: run.inspection.text,
      bytes: textBytes,
      heads: slots.shape[1],
      knn: slots.shape[2],
      slots: Int32Array.from(slots.data),
      weights: tensorFloat32(file, binaryNames.readWeights(u.layer)).data,
      read: slots.shape[0],
    });
  }
  return { usage, reads };
}

let binary: Promise<PrecomputedBinary> | null = null;

/** Fetches (once) and decodes the binary. */
export function loadPrecomputedBinary(): Promise<PrecomputedBinary> {
  binary ??= fetch(binaryUrl)
    .then((r) => {
      if (!r.ok) throw new Error(`the precomputed data could not be loaded (HTTP ${r.status})`);
      return r.arrayBuffer();
    })
    .then((b) => decodePrecomputedBinary(new Uint8Array(b)));
  return binary;
}

let traces: Promise<{ text: string; traces: TokenTrace[] }> | null = null;

/** Fetches (once) a trace of every byte of the default text. */
export function loadPrecomputedTraces(): Promise<{ text: string; traces: TokenTrace[] }> {
  traces ??= import('./defaultRun.traces.json').then((m) => {
    const json = m.default as unknown as PrecomputedTracesJson;
    return { text: json.text, traces: json.traces.map((t) => untagArrays<TokenTrace>(t)) };
  });
  return traces;
}
