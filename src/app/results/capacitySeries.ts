/**
 * The capacity experiment's result as the capacity curve's plain data: one series per memory size
 * (no memory first), one point per fact count, each seed's fact recall in the result's seed order.
 */
import type { CapacityPoint, CapacitySeries } from '../../components/CapacityCurve';
import { armSize, memoryLabel } from '../../model/experiments/definitions/capacity';
import { armKnowledge, factCount } from '../../model/experiments/resultCorpus';
import type { ArmResult, ExperimentResult } from '../../model/experiments/types';

/** Each seed's fact recall, in `seeds` order; null where the seed has no run or no recall. */
function recallBySeed(arm: ArmResult, seeds: readonly number[]): (number | null)[] {
  return seeds.map((seed) => {
    const v = arm.runs.find((r) => r.seed === seed)?.final.recall?.factAccuracy;
    return typeof v === 'number' && Number.isFinite(v) ? v : null;
  });
}

export function capacitySeries(result: ExperimentResult): CapacitySeries[] {
  const bySize = new Map<number | null, CapacityPoint[]>();
  for (const arm of result.arms) {
    const knowledge = armKnowledge(result, arm);
    // An arm whose corpus cannot be read has no place on the facts axis (its table row still shows).
    if (!knowledge) continue;
    const size = armSize(arm);
    const points = bySize.get(size) ?? [];
    bySize.set(size, points);
    points.push({ facts: factCount(knowledge), recall: recallBySeed(arm, result.seeds) });
  }
  // No memory (null) first, then the sizes ascending.
  const sizes = [...bySize.keys()].sort((a, b) => (a ?? 0) - (b ?? 0));
  return sizes.map((size) => ({
    label: memoryLabel(size),
    points: bySize.get(size)!.sort((a, b) => a.facts - b.facts),
  }));
}
