/**
 * Statistics of how mass is spread over the memory slots, as in XLM's evaluator
 * (xlm/evaluation/evaluator.py, eval_memory_usage), on z = mass / Σ mass over |K| slots:
 *   usage  fraction of slots with mass > 0
 *   kl     KL(z ‖ uniform) = log|K| + Σ z log z, with 0·log 0 = 0; 0 means perfectly even
 *   gini   1 + 1/|K| − 2·mean(cumsum(sort(z))): the Gini coefficient, exactly 0 for even use and
 *          1 − 1/|K| for a single slot. XLM's gini_score omits the 1/|K| term (it gives −1/|K| for
 *          even use); the difference is 3.8e-6 at 2^18 slots.
 *   topP   the fewest most-used slots that carry at least P of the mass (P = 50, 90, 99 %).
 *          XLM counts one more slot when a prefix hits P exactly; otherwise the two agree.
 */
export interface DistributionStats {
  usage: number;
  kl: number;
  gini: number;
  top50: number;
  top90: number;
  top99: number;
}

/** The masses of ties at exactly P can differ in the last bit after summing: allow for it. */
const TOP_TOLERANCE = 1e-12;

/**
 * One pass to gather the non-zero masses, one sort of those, one pass each for Gini and topP.
 * NaN for kl and gini when there is no mass at all. `scratch` (at least mass.length) avoids an
 * allocation per call.
 */
export function distributionStats(mass: ArrayLike<number>, scratch?: Float64Array): DistributionStats {
  const slots = mass.length;
  const sorted = scratch && scratch.length >= slots ? scratch : new Float64Array(slots);
  let used = 0;
  let total = 0;
  for (let s = 0; s < slots; s++) {
    const m = mass[s];
    if (m > 0) {
      sorted[used++] = m;
      total += m;
    }
  }
  if (used === 0 || !(total > 0)) {
    return { usage: 0, kl: Number.NaN, gini: Number.NaN, top50: 0, top90: 0, top99: 0 };
  }
  const values = sorted.subarray(0, used).sort();
  let entropyTerm = 0;
  let cumulative = 0;
  let sumOfCumsums = 0;
  for (let i = 0; i < used; i++) {
    const z = values[i] / total;
    entropyTerm += z * Math.log(z);
    cumulative += z;
    sumOfCumsums += cumulative;
  }
  // The zero slots sort first and add nothing to the cumulative sums.
  const gini = 1 + 1 / slots - (2 * sumOfCumsums) / slots;
  const targets = [0.5, 0.9, 0.99];
  const tops = [0, 0, 0];
  let acc = 0;
  let next = 0;
  for (let i = used - 1; i >= 0 && next < targets.length; i--) {
    acc += values[i];
    while (next < targets.length && acc >= total * targets[next] * (1 - TOP_TOLERANCE))
      tops[next++] = used - i;
  }
  return {
    usage: used / slots,
    kl: Math.log(slots) + entropyTerm,
    gini,
    top50: tops[0],
    top90: tops[1],
    top99: tops[2],
  };
}
