/**
 * The dense parameters' learning rate at a 1-based step: linear warm-up from 0 to `peak` over
 * `warmup` steps, then inverse-square-root decay `peak·sqrt(warmup / step)` (as the paper's
 * optimiser, XLM's adam_inverse_sqrt). With warmup 0 the decay counts from step 1.
 */
export function learningRate(step: number, peak: number, warmup: number): number {
  if (step < 1) throw new RangeError(`steps are counted from 1 (got ${step})`);
  if (warmup > 0 && step <= warmup) return (peak * step) / warmup;
  return peak * Math.sqrt(Math.max(warmup, 1) / step);
}
