/**
 * What the figures draw, as one immutable value updated by pure reducers: from the engine's
 * snapshots (live) or from the precomputed run shipped with the app. Histories accumulate here:
 * every step's training loss, every validation point, every fact-recall measurement, and the
 * coverage metrics per layer and head.
 */
import type { CoverageSnapshot } from '../components/CoverageStats';
import type {
  EngineState,
  EvalReport,
  LayerUsage,
  RecallPoint,
  Snapshot,
  TokenTrace,
} from '../engine/protocol';
import type { SlotMetrics } from '../model/metrics/memoryMetrics';
import { appendLosses, EMPTY_LOSS_HISTORY, type LossHistory, truncateLosses } from './lossHistory';

export type DataSource = 'none' | 'precomputed' | 'live';

export interface ValPoint {
  step: number;
  loss: number;
}

export interface LayerCoverage {
  layer: number;
  /** n_keys²: the memory's slot count. */
  slots: number;
  /** The whole memory (all heads together), one entry per validation. */
  total: CoverageSnapshot[];
  /** [head][validation]. */
  perHead: CoverageSnapshot[][];
}

export interface RunData {
  source: DataSource;
  /** Steps applied to the weights shown. */
  step: number;
  /** Engine state reported by the latest snapshot (null for precomputed data). */
  state: EngineState | null;
  losses: LossHistory;
  val: ValPoint[];
  /** Fact recall on the held-out wording, one point per measurement, ascending steps. */
  recall: RecallPoint[];
  coverage: LayerCoverage[];
  eval: EvalReport | null;
  trace: TokenTrace | null;
  usage: LayerUsage[] | null;
  lr: number;
  gradNorm: number;
  stepsPerSec: number;
  tokensPerSec: number;
  stepMs: number;
  /** Snapshot sequence number (0 = none yet). */
  seq: number;
}

export function emptyRunData(source: DataSource = 'none'): RunData {
  return {
    source,
    step: 0,
    state: null,
    losses: EMPTY_LOSS_HISTORY,
    val: [],
    recall: [],
    coverage: [],
    eval: null,
    trace: null,
    usage: null,
    lr: Number.NaN,
    gradNorm: Number.NaN,
    stepsPerSec: 0,
    tokensPerSec: 0,
    stepMs: 0,
    seq: 0,
  };
}

/** CoverageStats' view of XLM's metrics (weight-based Gini and top-P, as the paper reports). */
export function coverageSnapshot(step: number, m: SlotMetrics): CoverageSnapshot {
  return {
    step,
    usage: m.usage,
    kl_w: m.kl_w,
    kl_u: m.kl_u,
    gini: m.gini_w,
    top50: m.top50_w,
    top90: m.top90_w,
    top99: m.top99_w,
  };
}

/** Keeps entries with step < `step`, then appends `item` (a re-evaluation of a step replaces it). */
function upsertByStep<T extends { step: number }>(list: T[], item: T): T[] {
  const last = list.at(-1);
  if (last && last.step < item.step) return [...list, item];
  return [...list.filter((x) => x.step < item.step), item];
}

/**
 * Adds recall measurements (one per step: a newer one of a step replaces the older). The same list
 * comes back when nothing is new (an evaluation repeated in every snapshot redraws nothing).
 */
export function addRecall(list: RecallPoint[], points: readonly RecallPoint[]): RecallPoint[] {
  let out = list;
  for (const { step, accuracy, answerLoss } of points) {
    const same = out.some((r) => r.step === step && r.accuracy === accuracy && r.answerLoss === answerLoss);
    if (!same) out = upsertByStep(out, { step, accuracy, answerLoss });
  }
  return out;
}

/** Adds a validation report (once per step) to the validation and coverage histories, and its recall. */
export function applyEval(data: RunData, report: EvalReport): RunData {
  const known = data.val.some((v) => v.step === report.step && v.loss === report.loss);
  const val = known ? data.val : upsertByStep(data.val, { step: report.step, loss: report.loss });
  let coverage = data.coverage;
  if (!known) {
    coverage = [...data.coverage];
    for (const { layer, metrics } of report.memories) {
      const i = coverage.findIndex((c) => c.layer === layer);
      const prev: LayerCoverage =
        i >= 0 ? coverage[i] : { layer, slots: metrics.slots, total: [], perHead: [] };
      const next: LayerCoverage = {
        layer,
        slots: metrics.slots,
        total: upsertByStep(prev.total, coverageSnapshot(report.step, metrics)),
        perHead: metrics.per_head.map((h, k) =>
          upsertByStep(prev.perHead[k] ?? [], coverageSnapshot(report.step, h)),
        ),
      };
      if (i >= 0) coverage[i] = next;
      else coverage.push(next);
    }
    coverage.sort((a, b) => a.layer - b.layer);
  }
  const recall = report.recall
    ? addRecall(data.recall, [{ step: report.step, ...report.recall }])
    : data.recall;
  return { ...data, val, recall, coverage, eval: report };
}

/** Applies one engine snapshot: appends its losses, keeps the last trace and usage when it has none. */
export function applySnapshot(data: RunData, s: Snapshot, source: DataSource = 'live'): RunData {
  let next: RunData = data.source === source ? data : { ...emptyRunData(source) };
  // A worker restart restores an older step: forget what came after it.
  if (s.step < next.step) next = forgetAfter(next, s.step);
  next = {
    ...next,
    step: s.step,
    state: s.state,
    losses: appendLosses(next.losses, s.lossStart, s.losses),
    recall: addRecall(next.recall, s.recall),
    trace: s.trace ?? next.trace,
    usage: s.usage ?? next.usage,
    lr: s.lr,
    gradNorm: s.gradNorm,
    stepsPerSec: s.stepsPerSec,
    tokensPerSec: s.tokensPerSec,
    stepMs: s.stepMs,
    seq: s.seq,
  };
  return s.eval ? applyEval(next, s.eval) : next;
}

/** Drops history after `step` (the weights now shown are those of `step`). */
export function forgetAfter(data: RunData, step: number): RunData {
  return {
    ...data,
    step,
    losses: truncateLosses(data.losses, step),
    val: data.val.filter((v) => v.step <= step),
    recall: data.recall.filter((r) => r.step <= step),
    coverage: data.coverage.map((c) => ({
      layer: c.layer,
      slots: c.slots,
      total: c.total.filter((x) => x.step <= step),
      perHead: c.perHead.map((h) => h.filter((x) => x.step <= step)),
    })),
    eval: data.eval && data.eval.step <= step ? data.eval : null,
    // Fresh weights: the old model's lookups and usage mean nothing any more.
    trace: step === 0 ? null : data.trace,
    usage: step === 0 ? null : data.usage,
  };
}

/** The usage of one layer, or null. */
export function layerUsage(data: RunData, layer: number | null): LayerUsage | null {
  if (!data.usage || data.usage.length === 0) return null;
  return data.usage.find((u) => u.layer === layer) ?? data.usage[0];
}

/** Fraction of slots selected at least once (all heads) in a usage map. */
export function usedFraction(usage: LayerUsage | null): number | null {
  if (!usage) return null;
  const total = usage.counts.total;
  let used = 0;
  for (let i = 0; i < total.length; i++) if (total[i] > 0) used++;
  return total.length > 0 ? used / total.length : null;
}
