/**
 * Times several variants side by side: every variant is warmed up first (shader compilation on
 * WebGPU, first allocations, JIT), then each repetition runs every variant once, in an order that
 * rotates from one repetition to the next, so no variant always runs right after the same other.
 */

export interface Variant {
  name: string;
  /** One run; it must finish its device work before it resolves (await a read-back). */
  run: () => Promise<unknown>;
}

export interface InterleaveOptions {
  warmup: number;
  reps: number;
  /** Called after every repetition with its 1-based number. */
  onRep?: (rep: number) => void;
  now?: () => number;
}

/** Wall times in ms, per variant name, aligned by repetition: samples[name][r] is repetition r. */
export type Samples = Record<string, number[]>;

export async function timeInterleaved(
  variants: readonly Variant[],
  options: InterleaveOptions,
): Promise<Samples> {
  const { warmup, reps } = options;
  if (variants.length === 0) throw new Error('timeInterleaved: no variants');
  if (new Set(variants.map((v) => v.name)).size !== variants.length)
    throw new Error('timeInterleaved: variant names must be distinct');
  if (!(Number.isInteger(warmup) && warmup >= 0 && Number.isInteger(reps) && reps >= 1))
    throw new Error(`timeInterleaved: warmup must be an integer ≥ 0 and reps ≥ 1 (got ${warmup}, ${reps})`);
  const now = options.now ?? (() => performance.now());
  for (let w = 0; w < warmup; w++) for (const v of variants) await v.run();
  const samples: Samples = Object.fromEntries(variants.map((v) => [v.name, [] as number[]]));
  for (let r = 0; r < reps; r++) {
    for (let i = 0; i < variants.length; i++) {
      const v = variants[(r + i) % variants.length];
      const start = now();
      await v.run();
      samples[v.name].push(now() - start);
    }
    options.onRep?.(r + 1);
  }
  return samples;
}
