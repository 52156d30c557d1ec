import { pct } from '../claims';
import type { Claim, ExperimentDefinition } from '../types';

/** "About the same" usage: within this many percentage points from lowest to highest. */
const SAME_USAGE_POINTS = 10;

const SHAPES: [number, number][] = [
  [1, 32],
  [2, 16],
  [4, 8],
  [8, 4],
];

export const headsByK: ExperimentDefinition = {
  name: 'heads-x-k',
  title: 'Heads × k at an equal number of reads per token (heads·k = 32)',
  expectation: '(2nd) At equal heads·k (1×64, 2×32, 4×16, 8×8) usage was about the same (~70%).',
  base: {},
  arms: () => SHAPES.map(([heads, knn]) => ({ label: `${heads}×${knn}`, overrides: { heads, knn } })),
  fullSteps: 1000,
  timeInference: false,
  claims(arms): Claim[] {
    const usages = arms.map((a) => a.summary.usage);
    const known = usages.every((u) => u !== null && Number.isFinite(u));
    const spread = known ? Math.max(...(usages as number[])) - Math.min(...(usages as number[])) : null;
    const same = spread === null ? null : spread * 100 <= SAME_USAGE_POINTS;
    return [
      {
        id: 'same-usage',
        statement: `usage is about the same for every heads × k (spread ≤ ${SAME_USAGE_POINTS} percentage points)`,
        paper: '(2nd) about the same usage, ~70%, at heads·k = 64',
        observed: `${arms.map((a) => `${a.label} ${pct(a.summary.usage)}`).join(', ')}; spread ${
          spread === null ? '-' : `${(100 * spread).toFixed(1)} points`
        }`,
        agrees: same,
        arms: arms.map((a) => a.label),
        ...(same === false
          ? { note: 'each head has its own sub-keys and query; at toy scale some shapes cover less' }
          : {}),
      },
    ];
  },
  columns: [
    { header: 'usage', value: (a) => a.summary.usage, percent: true },
    { header: 'kl_w', value: (a) => a.summary.kl_w, digits: 3 },
    { header: 'gini_w', value: (a) => a.summary.gini_w, digits: 3 },
    { header: 'top90_w', value: (a) => a.summary.top90_w, digits: 0 },
    { header: 'step ms', value: (a) => a.summary.stepMs, digits: 0 },
  ],
};
