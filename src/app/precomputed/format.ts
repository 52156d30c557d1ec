/**
 * The precomputed run shipped with the app (written by scripts/precompute-snapshot.ts): a small
 * JSON that is bundled (first paint needs it) and a safetensors file fetched right after (usage
 * maps and the reads of the inspection text, for the heat map and the slot inspector).
 *
 * The JSON holds protocol objects (EvalReport, TokenTrace) so the app feeds them through the same
 * reducers as the live engine's snapshots. Typed arrays travel as tagged number lists.
 */

import type { EvalReport, RecallPoint, TokenTrace } from '../../engine/protocol';
import type { ModelConfig } from '../../model/config';

export const PRECOMPUTED_FORMAT = 'pkm-precomputed-run';
export const PRECOMPUTED_VERSION = 1;

export interface PrecomputedRunJson {
  format: typeof PRECOMPUTED_FORMAT;
  version: number;
  config: ModelConfig;
  /** Steps trained; `losses[i]` is the training loss of step i + 1. */
  steps: number;
  losses: number[];
  lr: number;
  gradNorm: number;
  /** Every validation, in step order (memory metrics per layer included). */
  evals: EvalReport[];
  /**
   * Fact recall (held-out wording, the engine's probes) at every validation step, in step order.
   * Absent from files made before the live recall curve: the last validation's recall is all then.
   */
  recall?: RecallPoint[];
  /** The default token's trace (text, position and every memory layer). */
  trace: Tagged<TokenTrace>;
  /** The text whose reads (in the binary) feed the slot inspector: windows of `context` bytes, stride `context`. */
  inspection: { text: string; tokens: number };
  /** Usage maps in the binary: per layer, [heads, slots] counts and weights over all training reads. */
  usage: { layer: number; heads: number; slots: number; tokens: number }[];
  /** How it was made. */
  made: { backend: string; msPerStep: number; corpus: string; script: string };
}

/** A trace of every token of the default text (fetched lazily: the token picker works before the live model is ready). */
export interface PrecomputedTracesJson {
  format: typeof PRECOMPUTED_FORMAT;
  version: number;
  text: string;
  traces: Tagged<TokenTrace>[];
}

/** T with its Float32Array / Int32Array fields replaced by tagged plain arrays. */
export type Tagged<T> = T extends Float32Array
  ? { f32: number[] }
  : T extends Int32Array
    ? { i32: number[] }
    : T extends (infer U)[]
      ? Tagged<U>[]
      : T extends object
        ? { [K in keyof T]: Tagged<T[K]> }
        : T;

/** Replaces typed arrays by tagged lists; floats keep `digits` significant digits (JSON size). */
export function tagArrays<T>(value: T, digits = 6): Tagged<T> {
  const walk = (v: unknown): unknown => {
    if (v instanceof Float32Array) return { f32: Array.from(v, (x) => Number(x.toPrecision(digits))) };
    if (v instanceof Int32Array) return { i32: Array.from(v) };
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    }
    return v;
  };
  return walk(value) as Tagged<T>;
}

/** The inverse of tagArrays. */
export function untagArrays<T>(value: Tagged<T>): T {
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      const keys = Object.keys(o);
      if (keys.length === 1 && keys[0] === 'f32' && Array.isArray(o.f32)) return Float32Array.from(o.f32);
      if (keys.length === 1 && keys[0] === 'i32' && Array.isArray(o.i32)) return Int32Array.from(o.i32);
      return Object.fromEntries(keys.map((k) => [k, walk(o[k])]));
    }
    return v;
  };
  return walk(value) as T;
}

/** Names of the tensors in the binary. */
export const binaryNames = {
  usageCounts: (layer: number) => `usage.${layer}.counts`,
  usageWeights: (layer: number) => `usage.${layer}.weights`,
  readSlots: (layer: number) => `reads.${layer}.slots`,
  readWeights: (layer: number) => `reads.${layer}.weights`,
};
