import { arm, less, num, pct } from '../claims';
import type { Claim, ExperimentDefinition } from '../types';

/** "Far more": at least this many times the flat keys' usage. */
const FAR_MORE = 2;

export const productVsFlat: ExperimentDefinition = {
  name: 'product-vs-flat',
  title: 'Product keys vs flat keys with the same number of slots (128²)',
  expectation:
    '(2nd) Flat keys use ~10–20% of the slots, product keys ~97–100%. A product-key query costs ' +
    'O((n + k²)·d_k) against O(n²·d_k) for the exhaustive flat search.',
  base: {},
  arms: () => [
    { label: 'product keys', overrides: { mem_keys: 'product' } },
    { label: 'flat keys', overrides: { mem_keys: 'flat' } },
  ],
  fullSteps: 1200,
  timeInference: false,
  claims(arms): Claim[] {
    const product = arm(arms, 'product keys');
    const flat = arm(arms, 'flat keys');
    const usageAgrees =
      product.summary.usage === null || flat.summary.usage === null
        ? null
        : product.summary.usage >= FAR_MORE * flat.summary.usage;
    const faster = less(product.summary.stepMs, flat.summary.stepMs);
    return [
      {
        id: 'product-usage',
        statement: `product keys use far more of the memory (≥ ${FAR_MORE}× the flat keys' usage)`,
        paper: '(2nd) flat ~10–20%, product ~97–100%',
        observed: `${pct(product.summary.usage)} vs ${pct(flat.summary.usage)}`,
        agrees: usageAgrees,
        arms: [product.label, flat.label],
        ...(usageAgrees === false
          ? { note: 'at 16k slots and a small model the flat keys still spread their reads widely' }
          : {}),
      },
      {
        id: 'product-step-time',
        statement: 'a product-key training step is faster than a flat-key one',
        paper: 'O((n + k²)·d_k) vs O(n²·d_k) comparisons per query',
        observed: `${num(product.summary.stepMs, 0)} vs ${num(flat.summary.stepMs, 0)} ms/step (median)`,
        agrees: faster,
        arms: [product.label, flat.label],
        ...(faster === false
          ? { note: 'at 16k slots the flat search is one matMul, cheap next to the rest of the step' }
          : {}),
      },
    ];
  },
  columns: [
    { header: 'usage', value: (a) => a.summary.usage, percent: true },
    { header: 'kl_w', value: (a) => a.summary.kl_w, digits: 3 },
    { header: 'gini_w', value: (a) => a.summary.gini_w, digits: 3 },
    { header: 'step ms', value: (a) => a.summary.stepMs, digits: 0 },
  ],
};
