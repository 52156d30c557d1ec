/**
 * The kernel of the fused sum of squares (src/model/ops/gradNorm.ts), by name: inputs
 * {t0, …, t(n−1)} (float32, any shapes, n ≥ 1) → the float32 scalar Σ_k Σ_i t_k[i]².
 */
export const SUM_SQUARES = 'PkmSumSquares';

/** The inputs of a SUM_SQUARES call in order (t0, t1, …), checked to be float32. */
export function sumSquaresInputs<T extends { dtype: string }>(inputs: Record<string, T | undefined>): T[] {
  const list: T[] = [];
  for (let i = 0; ; i++) {
    const t = inputs[`t${i}`];
    if (!t) break;
    if (t.dtype !== 'float32') throw new Error(`sum of squares: input t${i} is ${t.dtype}, not float32`);
    list.push(t);
  }
  if (list.length !== Object.keys(inputs).length)
    throw new Error('sum of squares: inputs must be named t0 … t(n−1)');
  return list;
}
