/**
 * Statistics of how mass is spread over the memory slots, as in XLM's evaluator
 * (xlm/evaluation/evaluator.py, eval_memory_usage), on z = mass / Σ mass over |K| slots:
 *   usage  fraction of slots with mass > 0
 *   kl     KL(z ‖ uniform) = log|K| + Σ z log z, with 0·log 0 = 0; 0 means perfectly even
 *   gini   1 − 2·mean(cumsum(sort(z))), XLM's gini_score: −1/|K| for perfectly even use (≈ 0),
 *          1 − 2/|K| for a single slot (≈ 1).
 *   topP   XLM's tops(): with y = cumsum(sort(z)) ascending, |K| − searchsorted(y, 1 − P), i.e.
 *          the number of most-used slots left once the least-used slots holding under 1 − P
 *          of the mass are set aside (P = 50, 90, 99 %).
 */
export interface DistributionStats {
  usage: number;
  kl: number;
  gini: number;
  top50: number;
  top90: number;
  top99: number;
}

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
  // Ascending cumulative sums, as XLM's searchsorted(cumsum(sort(z)), [0.5, 0.1, 0.01]) sees
  // them; the zero slots sort first, add nothing, and never reach a threshold.
  const thresholds = [0.5, 0.1, 0.01];
  const tops = [0, 0, 0];
  let entropyTerm = 0;
  let cumulative = 0;
  let sumOfCumsums = 0;
  for (let i = 0; i < used; i++) {
    const z = values[i] / total;
    entropyTerm += z * Math.log(z);
    cumulative += z;
    sumOfCumsums += cumulative;
    for (let t = 0; t < thresholds.length; t++) {
      if (tops[t] === 0 && cumulative >= thresholds[t]) tops[t] = used - i;
    }
  }
  const gini = 1 - (2 * sumOfCumsums) / slots;
  return {
    usage: used / slots,
    kl: Math.log(slots) + entropyTerm,
    gini,
    top50: tops[0],
    top90: tops[1],
    top99: tops[2],
  };
}
